/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { UserRecord } from '../../../engine/kernel/model.js';
import { CsrfField, describedBy, ErrorSummary, Field, TextField } from '../components/Form.js';
import { useReader } from '../reader.js';
import { localeChoices, localeName } from '../account/choices.js';
import { FIELD_IDS, roleName } from './words.js';

/** The values of the person form: as stored, or as posted after a refusal. */
export interface PersonValues {
  email: string;
  name: string;
  roles: string[];
  sites: string;
  managerId: string;
  locale: string;
  reason: string;
}

export function valuesOf(person: UserRecord | undefined): PersonValues {
  return { email: person?.email ?? '', name: person?.name ?? '', roles: person?.roles ?? [], sites: (person?.sites ?? []).join(', '), managerId: person?.managerId ?? '', locale: person?.locale ?? '', reason: '' };
}

/** A refusal of the form: the fields in error, or one sentence for the whole change. */
export interface FormRefusal {
  fields: string[];
  /** A message id for a refusal of the whole change (not permitted, email in use). */
  whole?: string;
}

/**
 * The person form (new and edit): name, email, roles, sites, manager, language, and why (required when
 * editing: it goes to the audit trail). Plain POST: works without JavaScript.
 */
export function PersonForm({ action, csrf, values, refusal, roles, managers, editing }: { action: string; csrf?: string; values: PersonValues; refusal: FormRefusal; roles: readonly string[]; managers: UserRecord[]; editing: boolean }) {
  const reader = useReader();
  const { t } = reader;
  const errorOf = (field: string) => (refusal.fields.includes(field) ? t(`adminPeople.error.${field}`) : undefined);
  const problems = [
    ...(refusal.whole ? [{ id: 'person-name', message: t(refusal.whole) }] : []),
    ...refusal.fields.filter((f) => FIELD_IDS[f]).map((f) => ({ id: FIELD_IDS[f], message: t(`adminPeople.error.${f}`) })),
  ];
  const shownRoles = [...roles, ...values.roles.filter((r) => !roles.includes(r))];
  return (
    <form class="usa-form usa-form--large" method="post" action={action}>
      <ErrorSummary heading={t('adminPeople.notSaved')} problems={problems} />
      <CsrfField token={csrf} />
      <TextField id="person-name" name="name" label={t('adminPeople.field.name')} value={values.name} error={errorOf('name')} required autocomplete="off" />
      <TextField id="person-email" name="email" type="email" label={t('adminPeople.field.email')} value={values.email} error={errorOf('email') ?? errorOf('id')} required autocomplete="off" />
      <fieldset class="usa-fieldset" id="person-roles" {...describedBy('person-roles', { error: errorOf('roles') })}>
        <legend class="usa-legend">{t('adminPeople.field.roles')}</legend>
        {errorOf('roles') ? (
          <span class="usa-error-message" id="person-roles-error">
            {errorOf('roles')}
          </span>
        ) : null}
        {shownRoles.map((role) => (
          <div class="usa-checkbox" key={role}>
            <input class="usa-checkbox__input" type="checkbox" id={`person-role-${role}`} name="roles" value={role} checked={values.roles.includes(role)} />
            <label class="usa-checkbox__label" for={`person-role-${role}`}>
              {roleName(reader, role)}
            </label>
          </div>
        ))}
      </fieldset>
      <TextField id="person-sites" name="sites" label={t('adminPeople.field.sites')} hint={t('adminPeople.field.sitesHint')} value={values.sites} error={errorOf('sites')} autocomplete="off" />
      <Field id="person-manager" label={t('adminPeople.field.manager')} error={errorOf('managerId')}>
        <select class="usa-select" id="person-manager" name="managerId" {...describedBy('person-manager', { error: errorOf('managerId') })}>
          <option value="">{t('adminPeople.field.noManager')}</option>
          {managers.map((m) => (
            <option key={m.id} value={m.id} selected={values.managerId === m.id}>
              {t('adminPeople.field.managerChoice', { name: m.name, email: m.email })}
            </option>
          ))}
        </select>
      </Field>
      <Field id="person-locale" label={t('adminPeople.field.locale')} error={errorOf('locale')}>
        <select class="usa-select" id="person-locale" name="locale" {...describedBy('person-locale', { error: errorOf('locale') })}>
          <option value="">{t('adminPeople.field.siteLocale')}</option>
          {localeChoices(values.locale).map((tag) => (
            <option key={tag} value={tag} lang={tag} selected={values.locale === tag}>
              {localeName(tag)}
            </option>
          ))}
        </select>
      </Field>
      <Field id="person-reason" label={editing ? t('adminPeople.field.reason') : t('adminPeople.field.reasonOptional')} hint={t('adminPeople.field.reasonHint')} error={errorOf('reason')}>
        <textarea class="usa-textarea" id="person-reason" name="reason" rows={2} required={editing} {...describedBy('person-reason', { hint: true, error: errorOf('reason') })}>
          {values.reason}
        </textarea>
      </Field>
      <button type="submit" class="usa-button margin-top-3">
        {editing ? t('adminPeople.save') : t('adminPeople.create')}
      </button>
    </form>
  );
}
