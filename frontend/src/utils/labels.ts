import { useI18n } from 'vue-i18n'

/**
 * useLabels translates enum values from the API (roles, org types, org
 * roles). A value this version of the app does not know is shown as sent.
 */
export function useLabels() {
  const { t, te } = useI18n()
  const label = (group: string, value: string): string => {
    const key = `${group}.${value}`
    return te(key) ? t(key) : value
  }
  return {
    role: (v: string) => label('roles', v),
    orgType: (v: string) => label('orgTypes', v),
    orgRole: (v: string) => label('orgRoles', v),
  }
}
