// Sending a gift: pick one from the catalogue, pay from the balance (API.md §7).
import { get, post } from '../api.js'
import { icon } from '../icons.js'
import { formDialog, h, plural, toast, uid } from '../dom.js'
import { displayName, setMe, state } from '../store.js'

export async function openGiftDialog(user, roomId) {
  if (!user) return
  let gifts
  try {
    gifts = (await get('/gifts')).gifts
  } catch (err) {
    return toast(`Gifts are unavailable: ${err.message}`, 'error')
  }
  if (!gifts.length) return toast('There are no gifts in the catalogue yet.')
  const group = uid('gift')
  const grid = h(
    'fieldset',
    { class: 'gift-grid' },
    h('legend', {}, `Choose a gift · you have ${plural(state.me.balance ?? 0, 'coin')}`),
    gifts.map((g, i) =>
      h(
        'label',
        { class: 'gift-option' },
        h('input', { type: 'radio', name: group, value: String(g.id), checked: i === 0 }),
        g.image_url ? h('img', { src: g.image_url, alt: '', width: 48, height: 48 }) : h('span', { class: 'gift-emoji' }, icon('gift', 40)),
        h('span', { class: 'gift-name' }, g.name),
        h('span', { class: 'gift-price' }, plural(g.price, 'coin')),
      ),
    ),
  )
  await formDialog({
    title: `Send ${displayName(user)} a gift`,
    extra: grid,
    fields: [{ name: 'text', label: 'A note (optional)', attrs: { maxlength: 500 } }],
    submitLabel: 'Send gift',
    onSubmit: async ({ text }) => {
      const picked = grid.querySelector('input:checked')
      if (!picked) throw new Error('Choose a gift first.')
      const body = { user_id: user.id }
      if (text.trim()) body.text = text.trim()
      if (roomId) body.room_id = roomId
      try {
        const data = await post(`/gifts/${picked.value}/send`, body)
        setMe({ ...state.me, balance: data.balance })
        toast(`Gift sent to ${displayName(user)}.`)
      } catch (err) {
        if (err.code === 'insufficient_funds') throw new Error('Not enough coins for that gift. Your profile page has free coins to claim.')
        throw err
      }
    },
  })
}
