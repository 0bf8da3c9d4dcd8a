/**
 * A realistic `data` for every ConnectGain event, checked against its schema's input type at compile time
 * and by the tests at run time.
 *
 * @module
 */
import type { z } from 'zod'
import type { connectgainEvents } from './events.js'

type Fixtures = { [Type in keyof typeof connectgainEvents]: z.input<(typeof connectgainEvents)[Type]> }

const ORG = '6f1c2b7e-0d4a-4c55-9a57-2f8e3b1d9c40'
const agent = { id: 'b3e1f0a2-5c6d-4e7f-8a9b-0c1d2e3f4a5b', name: 'Priya Patel', email: 'priya@connectgain-customer.example' }
const manager = { id: 'c4f2a1b3-6d7e-4f80-9bac-1d2e3f4a5b6c', name: 'Tom Becker' }

// The seed's own contact example, filled in.
const john = {
  id: '0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b',
  first_name: 'John',
  last_name: 'Doe',
  organization_id: ORG,
  email: 'john.doe@example.com',
  phone: '+4915112345678',
  tags: ['webinar-2024'],
  created_at: '2024-01-15T10:30:00Z',
}

const deal = {
  id: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d',
  title: 'Annual plan - Doe Consulting',
  value: 4800,
  currency: 'EUR',
  pipeline_id: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6',
  contact_id: john.id,
  organization_id: ORG,
  created_at: '2024-01-15T10:45:00Z',
}

const conversation = {
  id: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a',
  contact_id: john.id,
  channel: 'whatsapp',
  organization_id: ORG,
  created_at: '2024-01-15T10:31:00Z',
}

const outbound = {
  id: 'wamid.HBgMNDkxNTExMjM0NTY3OBUCABEYEjA5QkQ3',
  conversation_id: conversation.id,
  contact_id: john.id,
  direction: 'outbound',
  channel: 'whatsapp',
  type: 'text',
  content: 'Hi John, thanks for joining the webinar! Shall I send you the slides?',
  created_at: '2024-01-15T10:32:00Z',
}

/**
 * One `data` per event, keyed by wire name.
 *
 * @example
 * ```ts
 * const data = connectgainFixtures['deal.stage.changed'] // validates against connectgainEvents['deal.stage.changed']
 * ```
 */
export const connectgainFixtures: Fixtures = {
  'contact.created': john,
  'contact.updated': { ...john, phone: '+4915187654321', updated_at: '2024-01-16T08:00:00Z' },
  'contact.assigned': { ...john, assigned_to: agent, previous_assignee: null, assigned_by: manager },

  'deal.created': { ...deal, stage: 'New lead' },
  'deal.updated': { ...deal, stage: 'New lead', value: 5400, updated_at: '2024-01-17T09:00:00Z' },
  'deal.stage.changed': { ...deal, stage: 'Proposal sent', previous_stage: 'Qualified', new_stage: 'Proposal sent' },
  'deal.assigned': { ...deal, stage: 'Qualified', assigned_to: agent, previous_assignee: manager, assigned_by: manager },

  'conversation.created': { ...conversation, status: 'OPEN' },
  'conversation.assigned': { ...conversation, status: 'OPEN', assigned_to: agent, assigned_by: manager },
  'conversation.status.changed': { ...conversation, status: 'CLOSED', previous_status: 'OPEN' },

  'message.received': {
    ...outbound,
    id: 'wamid.HBgMNDkxNTExMjM0NTY3OBUCABIYFjNFQjA',
    direction: 'inbound',
    content: 'Yes please, and the pricing too.',
    status: 'received',
    created_at: '2024-01-15T10:35:12Z',
  },
  'message.sent': { ...outbound, status: 'sent' },
  'message.delivered': { ...outbound, status: 'delivered', delivered_at: '2024-01-15T10:32:02Z' },
  'message.read': { ...outbound, status: 'read', read_at: '2024-01-15T10:33:40Z' },
  'message.failed': {
    ...outbound,
    id: 'wamid.HBgMNDkxNTExMjM0NTY3OBUCABEYEjA5QkQ4',
    type: 'template',
    content: null,
    status: 'failed',
    error: 'Message failed to send because more than 24 hours have passed since the customer last replied',
    error_code: '131047',
  },

  'broadcast.response': {
    broadcast_id: 'e7d6c5b4-a392-4817-9f6e-5d4c3b2a1f0e',
    broadcast_name: 'January webinar follow-up',
    contact_id: john.id,
    conversation_id: conversation.id,
    message: {
      id: 'wamid.HBgMNDkxNTExMjM0NTY3OBUCABIYFjNFQjE',
      direction: 'inbound',
      channel: 'whatsapp',
      type: 'text',
      content: 'Interested, call me tomorrow',
      created_at: '2024-01-20T09:12:44Z',
    },
  },

  'zoom.recording.completed': {
    meeting_id: '85746392011',
    topic: 'Discovery call - Doe Consulting',
    start_time: '2024-01-18T14:00:00Z',
    duration_minutes: 32,
    contact_id: john.id,
    recording_files: [
      { id: 'rf_8c1d', file_type: 'MP4', download_url: 'https://zoom.example/rec/download/8c1d', file_size: 48213004 },
      { id: 'rf_8c1e', file_type: 'TRANSCRIPT', download_url: 'https://zoom.example/rec/download/8c1e', file_size: 18342 },
    ],
  },
}
