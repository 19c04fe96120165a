/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Absence, NoticePreference } from '../../../engine/kernel/person-choices.js';
import type { Viewer } from '../basics.js';
import { CsrfField, describedBy, Field, TextField } from '../components/Form.js';
import { useReader } from '../reader.js';

/**
 * The account page's forms besides language and time: the password (current, new twice), how notices reach
 * the person (each at once, or one daily digest at a time of day) and out of office (a period and the
 * colleague who holds their tasks meanwhile). Plain forms: they work without JavaScript and post back to
 * /account/…, which answers with a redirect (saved) or this page again with the fields' problems.
 */

/** The forms that post from the account page; a refusal names the form and the fields it refused. */
export type AccountForm = 'reading' | 'password' | 'notices' | 'absence';

export interface AccountForms {
  /** A refused form: which one, the fields in error, and the values to show again (never passwords). */
  refused?: { form: AccountForm; fields: string[]; values: Record<string, string>; retrySeconds?: number };
  notices: NoticePreference;
  absence?: Absence;
  /** The names of people in the forms: the delegate, and whom the person stands in for. */
  delegateName?: string;
  standingInFor: { name: string; toDay?: string }[];
  /** Who may hold the person's tasks: colleagues at their sites with their roles. */
  delegates: { id: string; name: string }[];
  /** The roles a delegate must hold, in words. */
  rolesNeeded: string;
}

/** The message of a refused field: its id on the page and its words. */
export function problemOf(t: (id: string, values?: Record<string, unknown>) => string, forms: AccountForms, field: string): { id: string; message: string } {
  const seconds = forms.refused?.retrySeconds;
  const message = field === 'currentPassword' && seconds ? t('account.error.currentPasswordSlowed', { seconds }) : t(`account.error.${field}`, { roles: forms.rolesNeeded });
  return { id: `account-${field}`, message };
}

function errorIn(forms: AccountForms, form: AccountForm, field: string, t: (id: string, values?: Record<string, unknown>) => string): string | undefined {
  return forms.refused?.form === form && forms.refused.fields.includes(field) ? problemOf(t, forms, field).message : undefined;
}

export function PasswordForm({ viewer, forms }: { viewer: Viewer; forms: AccountForms }) {
  const { t } = useReader();
  const error = (field: string) => errorIn(forms, 'password', field, t);
  return (
    <>
      <h2 id="account-password">{t('account.password')}</h2>
      <p class="usa-hint">{t('account.passwordHint')}</p>
      <form class="usa-form usa-form--large" method="post" action="/account/password">
        <CsrfField token={viewer.csrf} />
        <input type="text" name="username" value={viewer.user.email} autocomplete="username" hidden />
        <TextField id="account-currentPassword" name="currentPassword" type="password" label={t('account.currentPassword')} error={error('currentPassword')} autocomplete="current-password" required />
        <TextField id="account-newPassword" name="password" type="password" label={t('account.newPassword')} error={error('password')} autocomplete="new-password" required />
        <TextField id="account-repeat" name="repeat" type="password" label={t('account.repeatPassword')} error={error('repeat')} autocomplete="new-password" required />
        <button type="submit" class="usa-button margin-top-3">
          {t('account.changePassword')}
        </button>
      </form>
    </>
  );
}

export function NoticesForm({ viewer, forms }: { viewer: Viewer; forms: AccountForms }) {
  const { t, zoneName } = useReader();
  const refused = forms.refused?.form === 'notices' ? forms.refused.values : undefined;
  const delivery = refused?.delivery ?? forms.notices.delivery;
  const at = refused?.at ?? forms.notices.at;
  const atError = errorIn(forms, 'notices', 'at', t);
  return (
    <>
      <h2 id="account-notices">{t('account.notices')}</h2>
      <p class="usa-hint">{t('account.noticesHint')}</p>
      <form class="usa-form usa-form--large" method="post" action="/account/notices">
        <CsrfField token={viewer.csrf} />
        <fieldset class="usa-fieldset" id="account-delivery">
          <legend class="usa-legend">{t('account.delivery')}</legend>
          <div class="usa-radio">
            <input class="usa-radio__input" type="radio" id="account-delivery-immediate" name="delivery" value="immediate" checked={delivery !== 'daily'} />
            <label class="usa-radio__label" for="account-delivery-immediate">
              {t('account.delivery.immediate')}
            </label>
          </div>
          <div class="usa-radio">
            <input class="usa-radio__input" type="radio" id="account-delivery-daily" name="delivery" value="daily" checked={delivery === 'daily'} aria-describedby="account-delivery-daily-hint" />
            <label class="usa-radio__label" for="account-delivery-daily">
              {t('account.delivery.daily')}
              <span class="usa-checkbox__label-description" id="account-delivery-daily-hint">
                {t('account.delivery.dailyHint')}
              </span>
            </label>
          </div>
        </fieldset>
        <Field id="account-at" label={t('account.digestAt')} hint={t('account.digestAtHint', { zone: zoneName() })} error={atError}>
          <input class={atError ? 'usa-input usa-input--error usa-input--small' : 'usa-input usa-input--small'} type="time" id="account-at" name="at" value={at} {...describedBy('account-at', { hint: true, error: atError })} />
        </Field>
        <button type="submit" class="usa-button margin-top-3">
          {t('account.saveNotices')}
        </button>
      </form>
    </>
  );
}

export function AbsenceForm({ viewer, forms }: { viewer: Viewer; forms: AccountForms }) {
  const reader = useReader();
  const { t } = reader;
  const refused = forms.refused?.form === 'absence' ? forms.refused.values : undefined;
  const error = (field: string) => errorIn(forms, 'absence', field, t);
  const { absence } = forms;
  const chosen = refused?.delegate ?? absence?.delegate ?? '';
  return (
    <>
      <h2 id="account-absence">{t('account.absence')}</h2>
      <p class="usa-hint">{t('account.absenceHint')}</p>
      {forms.standingInFor.map((other) => (
        <p key={other.name}>{other.toDay ? t('account.standingInFor', { name: other.name, to: reader.calendarDate(other.toDay) }) : t('account.standingInForOpen', { name: other.name })}</p>
      ))}
      {absence ? (
        <>
          <p class="text-bold">
            {t('account.absenceNow', { started: absence.started ? 'yes' : 'no', from: reader.calendarDate(absence.fromDay), to: reader.calendarDate(absence.toDay), name: forms.delegateName ?? absence.delegate })}
          </p>
          <form method="post" action="/account/absence/end">
            <CsrfField token={viewer.csrf} />
            <button type="submit" class="usa-button usa-button--outline">
              {t(absence.started ? 'account.endAbsence' : 'account.cancelAbsence')}
            </button>
          </form>
        </>
      ) : null}
      {forms.delegates.length ? (
        <form class="usa-form usa-form--large" method="post" action="/account/absence">
          <CsrfField token={viewer.csrf} />
          <TextField id="account-from" name="from" type="date" label={t('account.absenceFrom')} error={error('from')} value={refused?.from ?? absence?.fromDay} required />
          <TextField id="account-to" name="to" type="date" label={t('account.absenceTo')} error={error('to')} value={refused?.to ?? absence?.toDay} required />
          <Field id="account-delegate" label={t('account.delegate')} hint={t('account.delegateHint', { roles: forms.rolesNeeded })} error={error('delegate')}>
            <select class="usa-select" id="account-delegate" name="delegate" {...describedBy('account-delegate', { hint: true, error: error('delegate') })}>
              <option value="" selected={!chosen}>
                {t('account.delegateNone')}
              </option>
              {forms.delegates.map((person) => (
                <option key={person.id} value={person.id} selected={chosen === person.id}>
                  {person.name}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit" class="usa-button margin-top-3">
            {t(absence ? 'account.changeAbsence' : 'account.setAbsence')}
          </button>
        </form>
      ) : (
        <p>{t('account.noDelegates', { roles: forms.rolesNeeded })}</p>
      )}
    </>
  );
}
