import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import CampaignTable from '@/components/CampaignTable.vue'
import { i18n } from '@/i18n'

describe('CampaignTable', () => {
  it('renders one row per campaign with amounts from fen and a labelled progress bar', () => {
    const wrapper = mount(CampaignTable, {
      props: {
        campaigns: [
          { id: 'c1', title: '寒冬送温暖', target_fen: 5_000_000, raised_fen: 1_234_567 },
          { id: 'c2', title: '圆梦大学', target_fen: 100_000, raised_fen: 150_000 },
        ],
      },
      global: { plugins: [i18n] },
    })
    const rows = wrapper.findAll('tbody tr')
    expect(rows).toHaveLength(2)
    expect(rows[0]?.findAll('td').map((td) => td.text())).toEqual(['¥12,345.67', '¥50,000.00', '24%'])
    const bar = rows[0]?.find('[role="progressbar"]')
    expect(bar?.attributes('aria-valuenow')).toBe('24')
    expect(bar?.attributes('aria-label')).toBe('寒冬送温暖 已完成 24%')
    expect(bar?.find('.progress-fill').attributes('style')).toContain('width: 24%')
    // Over-funded campaigns stop at 100 %.
    expect(rows[1]?.find('[role="progressbar"]').attributes('aria-valuenow')).toBe('100')
    expect(wrapper.find('th[scope="row"]').text()).toBe('寒冬送温暖')
  })

  it('says so when there is no campaign', () => {
    const wrapper = mount(CampaignTable, { props: { campaigns: [] }, global: { plugins: [i18n] } })
    expect(wrapper.find('table').exists()).toBe(false)
    expect(wrapper.find('[data-testid="campaigns-empty"]').text()).toBe('目前还没有公开的募捐项目。')
  })
})
