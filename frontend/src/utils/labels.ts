import { useI18n } from 'vue-i18n'

/**
 * useLabels translates enum values from the API (roles, org types, org
 * roles, need kinds, categories, …). A value this version of the app does
 * not know is shown as sent.
 */
export function useLabels() {
  const { t, te } = useI18n()
  const label = (group: string, value: string): string => {
    // Keys are identifiers: language tags such as zh-yue are stored as zh_yue.
    const key = `${group}.${value.replace(/-/g, '_')}`
    return te(key) ? t(key) : value
  }
  return {
    role: (v: string) => label('roles', v),
    orgType: (v: string) => label('orgTypes', v),
    orgRole: (v: string) => label('orgRoles', v),
    needKind: (v: string) => label('needKinds', v),
    category: (v: string) => label('needCategories', v),
    subject: (v: string) => label('subjects', v),
    itemType: (v: string) => label('itemTypes', v),
    mode: (v: string) => label('needModes', v),
    status: (v: string) => label('needStatuses', v),
    action: (v: string) => label('needActions', v),
    language: (v: string) => label('languages', v),
    online: (v: string) => label('onlineValues', v),
    weekday: (d: number) => label('weekdays', `d${d}`),
    urgency: (u: number) => label('urgencies', `u${u}`),
  }
}
