/**
 * What a person chooses for themselves on their account page, kept on their directory record (model.ts
 * UserRecord): how notices reach them, a period out of office with a delegate, and their saved views of the
 * records register.
 */
export interface PersonChoices {
  /** How task notices reach the person: each at once (absent: immediately), or in one email a day. */
  notices?: NoticePreference;
  /** A period out of office with the colleague who holds the person's tasks meanwhile. */
  absence?: Absence;
  /** People whose assigned tasks this person holds now, as their out-of-office delegate (set at start, cleared at end). */
  standingInFor?: string[];
  /** Saved views of the records register: a name and the register's query. */
  registerViews?: { id: string; name: string; query: Record<string, string>; savedAt: string }[];
}

/** Notices at once, or collected into one daily digest sent at `at` (HH:MM on the person's clock). */
export interface NoticePreference {
  delivery: 'immediate' | 'daily';
  at: string;
}

/**
 * Out of office: from the start of `fromDay` to the end of `toDay` on the person's clock (`from`, `until`:
 * those instants, UTC), `delegate` holds the tasks assigned to them and gets their notices. `started` once
 * the period began (its durable job ran, or it began when set).
 */
export interface Absence {
  fromDay: string;
  toDay: string;
  from: string;
  until: string;
  delegate: string;
  started?: boolean;
}
