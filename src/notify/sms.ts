import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Outbox } from './outbox.js'
import type { Sms, SmsSender } from './types.js'

/** Twilio's REST API when TWILIO_* are set; the outbox without them, and always when OUTBOX_DIR is set. */
export function createSmsSender(config: Config, outbox: Outbox, log: Logger): SmsSender {
  const twilio = config.twilio
  const toOutbox = !twilio || config.outboxDir !== undefined
  return {
    async send(sms: Sms) {
      if (toOutbox) await outbox.write({ channel: 'sms', ...sms })
      if (!twilio) return
      const url = `${twilio.apiUrl}/2010-04-01/Accounts/${encodeURIComponent(twilio.accountSid)}/Messages.json`
      const auth = Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Basic ${auth}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ To: sms.to, From: twilio.from, Body: sms.text }),
        // 10 s: a stuck provider must not hold a sign-in request forever.
        signal: AbortSignal.timeout(10_000),
      })
      if (!res.ok) {
        log.error({ channel: 'sms', to: sms.to, status: res.status }, 'Twilio refused the SMS')
        throw new Error('sms delivery failed')
      }
      log.info({ channel: 'sms', to: sms.to }, 'SMS sent through Twilio')
    },
  }
}
