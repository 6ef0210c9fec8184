/** Rules for the login identifier: an e-mail address or a mainland China mobile number. */

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const MOBILE = /^(?:\+?86)?1[3-9]\d{9}$/

/** PASSWORD_MIN is the minimum password length the server accepts. */
export const PASSWORD_MIN = 10

/** DISPLAY_NAME_MAX is the longest display name the form accepts. */
export const DISPLAY_NAME_MAX = 64

/** isLoginIdentifier tells whether s looks like an e-mail address or a mainland mobile number. */
export function isLoginIdentifier(s: string): boolean {
  const v = s.trim()
  if (EMAIL.test(v)) return true
  return MOBILE.test(v.replace(/[\s-]/g, ''))
}

/** characterCount counts user-perceived characters (code points), as the server does for lengths. */
export function characterCount(s: string): number {
  return Array.from(s).length
}
