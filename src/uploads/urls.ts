/** Uploaded files are served at /files/<random stored name>: unguessable, never by sequential id. */
export function fileUrl(storedName: string): string {
  return `/files/${storedName}`
}
