// Times in answers: API.md §1 writes every time as ISO-8601 in UTC.
export const iso = (ms: number) => new Date(ms).toISOString()
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms))
