// What a reader can do to a message besides replying: delete it, or report it to the moderators.
import { del, post } from '../api.js'
import { attachmentLabel } from '../attachments.js'
import { confirmDialog, formDialog, toast } from '../dom.js'

/** Asks, then deletes; resolves true when the message is gone. */
export async function deleteMessage(m) {
  const gone = m.text ? `“${m.text.slice(0, 140)}”` : `${attachmentLabel(m.attachment)} will be removed.`
  if (!(await confirmDialog('Delete this message?', gone, 'Delete'))) return false
  try {
    await del(`/messages/${m.id}`)
    return true
  } catch (err) {
    toast(err.message, 'error')
    return false
  }
}

export async function reportMessage(m) {
  await formDialog({
    title: 'Report this message',
    intro: m.text ? `“${m.text.slice(0, 200)}”` : attachmentLabel(m.attachment),
    fields: [{ name: 'text', label: 'What is wrong with it? (optional)', type: 'textarea', attrs: { maxlength: 2000 } }],
    submitLabel: 'Send report',
    onSubmit: async (v) => {
      await post('/complaints', v.text.trim() ? { message_id: m.id, text: v.text.trim() } : { message_id: m.id })
      toast('Thanks, the moderators will look at it.')
    },
  })
}
