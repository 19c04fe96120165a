/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { ROLES } from '../../../engine/kernel/model.js';
import type { Viewer } from '../basics.js';
import { CsrfField, describedBy, ErrorSummary, Field } from '../components/Form.js';
import { Notice } from '../components/Notice.js';
import { Shell } from '../components/Shell.js';
import { useReader } from '../reader.js';
import { localeChoices, localeName, offsetNow, placeOf, zoneGroups } from './choices.js';
import { AbsenceForm, NoticesForm, PasswordForm, problemOf, type AccountForms } from './AccountForms.js';

/** What the account page shows besides the person: what their site would give them, and the form's state. */
export interface AccountState {
  /** The locale and zone the person reads in when they choose none (their site's, else the installation's). */
  fallback: { locale: string; timeZone: string };
  /** Whether that fallback is their site's (else the installation's). */
  fromSite: boolean;
  /** The values posted (after a refused save) or stored. */
  locale: string;
  timeZone: string;
  /** Fields the engine refused: locale, timeZone. */
  errors: string[];
  saved: boolean;
  now: Date;
  /** What another form of the page just did (after its redirect): its confirmation. */
  done?: { form: 'password'; sessionsEnded: number } | { form: 'notices' } | { form: 'absence' } | { form: 'absence-ended' };
  forms: AccountForms;
}

// site administrators are a role of the people feature (engine/features/people), not of the process roles
const KNOWN_ROLES: readonly string[] = [...ROLES, 'site-admin'];

/**
 * The person's own account: who they are to imsflow (name, email, roles, sites: read only; an admin keeps
 * the directory) and what they read in: language and formats, and the clock their times are shown on.
 */
export function AccountPage({ viewer, state }: { viewer: Viewer; state: AccountState }) {
  const reader = useReader();
  const { t, zoneName, locale } = reader;
  const { user } = viewer;
  const roleName = (role: string) => (KNOWN_ROLES.includes(role) ? t(`account.role.${role}`) : role);
  const defaultKey = state.fromSite ? 'site' : 'installation';
  const invalid = (field: string) => state.errors.includes(field);
  const refused = state.forms.refused;
  const problems = refused && refused.form !== 'reading' ? refused.fields.map((field) => problemOf(t, state.forms, field)) : state.errors.map((field) => ({ id: field === 'locale' ? 'account-locale' : 'account-zone', message: t(`account.error.${field}`) }));
  const errorOf = (field: string) => (invalid(field) ? t(`account.error.${field}`) : undefined);
  return (
    <Shell title={t('account.title')} viewer={viewer} current="account">
      {state.saved ? (
        <Notice kind="status">
          <p>{t('account.saved', { language: localeName(locale), zone: zoneName() })}</p>
        </Notice>
      ) : null}
      {state.done ? (
        <Notice kind="status">
          <p>{doneMessage(state, reader.calendarDate, t)}</p>
        </Notice>
      ) : null}
      <ErrorSummary heading={t('account.notSaved')} problems={problems} />
      <h2>{t('account.you')}</h2>
      <dl class="ims-facts">
        <dt>{t('account.name')}</dt>
        <dd>{user.name}</dd>
        <dt>{t('account.email')}</dt>
        <dd>{user.email}</dd>
        <dt>{t('account.roles')}</dt>
        <dd>{user.roles.length ? user.roles.map(roleName).join(', ') : t('account.none')}</dd>
        <dt>{t('account.sites')}</dt>
        <dd>{user.sites?.length ? user.sites.join(', ') : user.roles.includes('admin') ? t('account.allSites') : t('account.none')}</dd>
      </dl>
      <p class="usa-hint">{t('account.directoryHint')}</p>

      <h2 id="account-reading">{t('account.reading')}</h2>
      <p class="usa-hint">{t('account.readingHint')}</p>
      <form class="usa-form usa-form--large" method="post" action="/account">
        <CsrfField token={viewer.csrf} />
        <Field id="account-locale" label={t('account.language')} error={errorOf('locale')}>
          <select class="usa-select" id="account-locale" name="locale" {...describedBy('account-locale', { error: errorOf('locale') })}>
            <option value="" selected={!state.locale}>
              {t(`account.default.${defaultKey}`, { choice: localeName(state.fallback.locale) })}
            </option>
            {localeChoices(state.locale).map((tag) => (
              <option key={tag} value={tag} lang={tag} selected={state.locale === tag}>
                {localeName(tag)}
              </option>
            ))}
          </select>
        </Field>
        <Field id="account-zone" label={t('account.timeZone')} hint={t('account.timeZoneHint')} error={errorOf('timeZone')}>
          <select class="usa-select" id="account-zone" name="timeZone" {...describedBy('account-zone', { hint: true, error: errorOf('timeZone') })}>
            <option value="" selected={!state.timeZone}>
              {t(`account.default.${defaultKey}`, { choice: state.fallback.timeZone })}
            </option>
            {zoneGroups(state.timeZone).map((group) => (
              <optgroup key={group.region} label={t(`account.region.${group.region}`)}>
                {group.zones.map((zone) => (
                  <option key={zone} value={zone} selected={state.timeZone === zone}>
                    {t('account.zoneChoice', { place: zone === 'UTC' ? t('account.utc') : placeOf(zone), offset: offsetNow(zone, state.now) })}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </Field>
        <button type="submit" class="usa-button margin-top-3">
          {t('account.save')}
        </button>
      </form>
      <PasswordForm viewer={viewer} forms={state.forms} />
      <NoticesForm viewer={viewer} forms={state.forms} />
      <AbsenceForm viewer={viewer} forms={state.forms} />
    </Shell>
  );
}

/** The confirmation of the form just saved, in words. */
function doneMessage(state: AccountState, day: (ymd: string) => string, t: (id: string, values?: Record<string, unknown>) => string): string {
  const done = state.done!;
  const { absence, notices } = state.forms;
  switch (done.form) {
    case 'password':
      return t('account.passwordChanged', { count: done.sessionsEnded });
    case 'notices':
      return t('account.noticesSaved', { delivery: notices.delivery, at: notices.at });
    case 'absence':
      return absence ? t('account.absenceNow', { started: absence.started ? 'yes' : 'no', from: day(absence.fromDay), to: day(absence.toDay), name: state.forms.delegateName ?? absence.delegate }) : t('account.absenceEnded');
    case 'absence-ended':
      return t('account.absenceEnded');
  }
}
