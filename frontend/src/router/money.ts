import type { RouteRecordRaw } from 'vue-router'

/** moneyRoutes are the public campaign pages and the donor's giving and trace pages. */
export const moneyRoutes: RouteRecordRaw[] = [
  {
    path: '/campaigns',
    name: 'campaigns',
    component: () => import('@/views/money/CampaignsView.vue'),
    meta: { titleKey: 'money.campaigns.title' },
  },
  {
    path: '/campaigns/:id',
    name: 'campaign',
    component: () => import('@/views/money/CampaignView.vue'),
    meta: { titleKey: 'money.campaign.pageTitle' },
  },
  {
    path: '/receipts/:serial',
    name: 'receipt-verify',
    component: () => import('@/views/money/ReceiptVerifyView.vue'),
    meta: { titleKey: 'money.receipt.title' },
  },
  {
    path: '/staff/campaigns/new',
    name: 'campaign-new',
    component: () => import('@/views/money/CampaignNewView.vue'),
    meta: { area: 'staff', titleKey: 'money.campaignNew.title' },
  },
  {
    path: '/staff/finance/receipts',
    name: 'finance-publish',
    component: () => import('@/views/money/FinancePublishView.vue'),
    meta: { area: 'staff', titleKey: 'money.publish.title' },
  },
  {
    path: '/staff/finance/refunds',
    name: 'finance-refund',
    component: () => import('@/views/money/RefundView.vue'),
    meta: { area: 'staff', titleKey: 'money.refund.title' },
  },
  {
    path: '/donor/give',
    name: 'donor-give',
    component: () => import('@/views/money/GiveView.vue'),
    meta: { area: 'donor', titleKey: 'money.give.title' },
  },
  {
    path: '/donor/gifts',
    name: 'donor-gifts',
    component: () => import('@/views/money/GiftsView.vue'),
    meta: { area: 'donor', titleKey: 'money.gifts.title' },
  },
  {
    path: '/donor/trace',
    name: 'donor-trace',
    component: () => import('@/views/money/TraceView.vue'),
    meta: { area: 'donor', titleKey: 'money.trace.title' },
  },
]
