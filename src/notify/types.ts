export interface Email {
  to: string
  subject: string
  text: string
  html?: string
}

export interface Sms {
  to: string
  text: string
}

export interface Mailer {
  send(mail: Email): Promise<void>
}

export interface SmsSender {
  send(sms: Sms): Promise<void>
}
