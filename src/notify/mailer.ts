import { Client as SendGridClient } from '@sendgrid/client'
import { MailService } from '@sendgrid/mail'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Outbox } from './outbox.js'
import type { Email, Mailer } from './types.js'

/** SendGrid when SENDGRID_KEY is set; the outbox without it, and always when OUTBOX_DIR is set. */
export function createMailer(config: Config, outbox: Outbox, log: Logger): Mailer {
  const toOutbox = !config.sendgridKey || config.outboxDir !== undefined
  const client = config.sendgridKey ? sendgridClient(config.sendgridKey, config.sendgridApiUrl) : undefined
  return {
    async send(mail: Email) {
      if (toOutbox) await outbox.write({ channel: 'email', ...mail })
      if (!client) return
      try {
        await client.send({ to: mail.to, from: config.mailFrom, subject: mail.subject, text: mail.text, ...(mail.html ? { html: mail.html } : {}) })
        log.info({ channel: 'email', to: mail.to }, 'email sent through SendGrid')
      } catch (err) {
        const status = (err as { code?: number }).code
        log.error({ channel: 'email', to: mail.to, status }, 'SendGrid refused the email')
        throw new Error('email delivery failed')
      }
    },
  }
}

function sendgridClient(key: string, baseUrl: string) {
  // A client and service of our own, so two apps in one process (tests) never share a key or base URL.
  const client = new SendGridClient()
  client.setApiKey(key)
  client.setDefaultRequest('baseUrl', baseUrl)
  // 10 s: a stuck provider must not hold a registration request forever. (The client hands its
  // default request to axios, which knows `timeout`; the typings do not list it.)
  client.setDefaultRequest({ timeout: 10_000 } as unknown as Parameters<SendGridClient['setDefaultRequest']>[0])
  const service = new MailService()
  service.setClient(client)
  return service
}
