import type { RouteRecordRaw } from 'vue-router'

/** pledgeRoutes are the donor's pledges of goods and the staff's pledge tracking. */
export const pledgeRoutes: RouteRecordRaw[] = [
  {
    path: '/donor/pledges',
    name: 'donor-pledges',
    component: () => import('@/views/pledges/MyPledgesView.vue'),
    meta: { area: 'donor', titleKey: 'pledge.mine.title' },
  },
  {
    path: '/staff/pledges',
    name: 'staff-pledges',
    component: () => import('@/views/pledges/StaffPledgesView.vue'),
    meta: { area: 'staff', titleKey: 'pledge.staff.title' },
  },
]
