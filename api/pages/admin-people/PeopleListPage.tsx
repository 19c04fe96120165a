/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { UserRecord } from '../../../engine/kernel/model.js';
import type { Viewer } from '../basics.js';
import { FilterBar, FilterBarActions, TextField } from '../components/Form.js';
import { Notice } from '../components/Notice.js';
import { Shell } from '../components/Shell.js';
import { useReader } from '../reader.js';
import { ROLE_CHOICES, roleName, rolesText, sitesText } from './words.js';

export interface PeopleFilterState {
  q: string;
  role: string;
  site: string;
  status: '' | 'active' | 'inactive';
}

/**
 * /admin/people: the people the viewer administers, searchable by name or email and filtered by role,
 * site and status; each opens their page. Links to add a person and to import a CSV file.
 */
export function PeopleListPage({ viewer, people, filter, sites, imported }: { viewer: Viewer; people: UserRecord[]; filter: PeopleFilterState; sites: string[]; imported?: { create: number; update: number } }) {
  const reader = useReader();
  const { t } = reader;
  const active = [filter.q, filter.role, filter.site, filter.status].filter(Boolean).length;
  return (
    <Shell title={t('adminPeople.title')} viewer={viewer}>
      {imported ? (
        <Notice kind="status">
          <p>{t('adminPeople.import.done', imported)}</p>
        </Notice>
      ) : null}
      <ul class="usa-button-group">
        <li class="usa-button-group__item">
          <a class="usa-button" href="/admin/people/new">
            {t('adminPeople.add')}
          </a>
        </li>
        <li class="usa-button-group__item">
          <a class="usa-button usa-button--outline" href="/admin/people/import">
            {t('adminPeople.import')}
          </a>
        </li>
      </ul>
      <FilterBar action="/admin/people" summary={t('adminPeople.filter.summary', { count: active })} label={t('adminPeople.filter.label')} open={active > 0}>
        <TextField id="people-q" name="q" type="search" label={t('adminPeople.filter.search')} value={filter.q} />
        <div class="usa-form-group">
          <label class="usa-label" for="people-role">
            {t('adminPeople.filter.role')}
          </label>
          <select class="usa-select" id="people-role" name="role">
            <option value="">{t('adminPeople.filter.anyRole')}</option>
            {ROLE_CHOICES.map((role) => (
              <option key={role} value={role} selected={filter.role === role}>
                {roleName(reader, role)}
              </option>
            ))}
          </select>
        </div>
        <div class="usa-form-group">
          <label class="usa-label" for="people-site">
            {t('adminPeople.filter.site')}
          </label>
          <select class="usa-select" id="people-site" name="site">
            <option value="">{t('adminPeople.filter.anySite')}</option>
            {sites.map((site) => (
              <option key={site} value={site} selected={filter.site === site}>
                {site}
              </option>
            ))}
          </select>
        </div>
        <div class="usa-form-group">
          <label class="usa-label" for="people-status">
            {t('adminPeople.filter.status')}
          </label>
          <select class="usa-select" id="people-status" name="status">
            <option value="">{t('adminPeople.filter.anyStatus')}</option>
            <option value="active" selected={filter.status === 'active'}>
              {t('adminPeople.status.active')}
            </option>
            <option value="inactive" selected={filter.status === 'inactive'}>
              {t('adminPeople.status.inactive')}
            </option>
          </select>
        </div>
        <FilterBarActions>
          <button type="submit" class="usa-button">
            {t('adminPeople.filter.apply')}
          </button>
          <a class="usa-button usa-button--unstyled" href="/admin/people">
            {t('adminPeople.filter.clear')}
          </a>
        </FilterBarActions>
      </FilterBar>
      <p role="status">{t('adminPeople.count', { count: people.length })}</p>
      {people.length ? (
        <div class="ims-table-scroll" role="region" aria-label={t('adminPeople.caption')} tabIndex={0}>
          <table class="usa-table usa-table--compact usa-table--stacked">
            <caption class="usa-sr-only">{t('adminPeople.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('adminPeople.column.name')}</th>
                <th scope="col">{t('adminPeople.column.email')}</th>
                <th scope="col">{t('adminPeople.column.roles')}</th>
                <th scope="col">{t('adminPeople.column.sites')}</th>
                <th scope="col">{t('adminPeople.column.status')}</th>
              </tr>
            </thead>
            <tbody>
              {people.map((person) => (
                <tr key={person.id}>
                  <th scope="row" data-label={t('adminPeople.column.name')}>
                    <a href={`/admin/people/${encodeURIComponent(person.id)}`}>{person.name}</a>
                  </th>
                  <td data-label={t('adminPeople.column.email')}>{person.email}</td>
                  <td data-label={t('adminPeople.column.roles')}>{rolesText(reader, person.roles)}</td>
                  <td data-label={t('adminPeople.column.sites')}>{sitesText(reader, person)}</td>
                  <td data-label={t('adminPeople.column.status')}>{person.active ? t('adminPeople.status.active') : t('adminPeople.status.inactive')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>{t('adminPeople.empty')}</p>
      )}
    </Shell>
  );
}
