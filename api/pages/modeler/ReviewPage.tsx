/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { ComponentChildren, VNode } from 'preact';
import { mayPublish, mayWithdraw } from '../../../engine/features/change-control/index.js';
import type { Viewer } from '../basics.js';
import { ZoneNote } from '../components/Time.js';
import { useReader } from '../reader.js';
import { HintedField, ModelerShell, useProcessNames, useReaderData } from './parts.js';

/**
 * The review of a change (/modeler/drafts/:id/review), filled by review.js: both versions side by side with
 * the changes coloured, the changed elements and fields, the raw XML diff, then the signed decision and the
 * publication. `askEmail`: the first signing of a session asks for the user id as well as the password
 * (21 CFR 11.200).
 */
export function ReviewPage({ viewer, draftId, askEmail, processes = [] }: { viewer: Viewer; draftId: string; askEmail: boolean; processes?: { key: string; name: string }[] }) {
  const { t, rich } = useReader();
  return (
    <ModelerShell title={t('modelerPages.review.title')} viewer={viewer} bundle="review">
      <div id="ims-review" data-draft-id={draftId} data-user={viewer.user.id} data-may-publish={String(mayPublish(viewer.user.roles))} data-may-withdraw={String(mayWithdraw(viewer.user.roles))} data-state="loading" data-process-names={useProcessNames(processes)} {...useReaderData()}>
        <p id="ims-review-state" role="status" aria-live="polite">
          {t('modelerPages.review.loading')}
        </p>
        <dl class="facts" id="ims-review-facts"></dl>
        <ZoneNote />
        <h2>{t('modelerPages.review.diagrams')}</h2>
        <ul class="ims-legend" aria-label={t('modelerPages.review.colours')}>
          <li class="added">{t('modelerPages.review.added')}</li>
          <li class="removed">{t('modelerPages.review.removed')}</li>
          <li class="changed">{t('modelerPages.review.changed')}</li>
          <li class="moved">{t('modelerPages.review.moved')}</li>
        </ul>
        <div class="ims-side-by-side">
          <figure>
            <figcaption id="ims-base-caption">{t('modelerPages.review.current')}</figcaption>
            <div id="ims-base" class="ims-diagram"></div>
          </figure>
          <figure>
            <figcaption id="ims-proposed-caption">{t('modelerPages.review.proposed')}</figcaption>
            <div id="ims-proposed" class="ims-diagram"></div>
          </figure>
        </div>
        <h2>{t('modelerPages.review.elements')}</h2>
        <div id="ims-elements"></div>
        <h2>{t('modelerPages.review.fields')}</h2>
        <p class="usa-hint hint">{t('modelerPages.review.fieldsHint')}</p>
        <div id="ims-fields"></div>
        <details id="ims-xml">
          <summary>{t('modelerPages.review.xml')}</summary>
          <p class="usa-hint hint">{rich<VNode>('modelerPages.review.xmlHint', { code: (chunks: ComponentChildren) => <code>{chunks}</code> })}</p>
          <pre id="ims-xml-diff" class="ims-xml-diff" tabIndex={0} role="region" aria-label={t('modelerPages.review.xmlRegion')}></pre>
        </details>
        <Decision askEmail={askEmail} />
        <p id="ims-publish-who" hidden></p>
        <Publish />
        <Withdraw />
      </div>
    </ModelerShell>
  );
}

function Decision({ askEmail }: { askEmail: boolean }) {
  const { t } = useReader();
  return (
    <section id="ims-decide" aria-labelledby="ims-decide-title" hidden>
      <h2 id="ims-decide-title">{t('modelerPages.review.decision')}</h2>
      <form id="ims-review-form" class="usa-form decide" novalidate>
        <fieldset class="usa-fieldset">
          <legend class="usa-legend">{t('modelerPages.review.yourDecision')}</legend>
          <div class="field check">
            <input type="radio" id="ims-decision-approve" name="decision" value="approve" checked />
            <label for="ims-decision-approve">{t('modelerPages.review.approve')}</label>
          </div>
          <div class="field check">
            <input type="radio" id="ims-decision-reject" name="decision" value="reject" />
            <label for="ims-decision-reject">{t('modelerPages.review.reject')}</label>
          </div>
        </fieldset>
        <HintedField id="ims-review-reason" label={t('modelerPages.review.reason')}>
          <textarea class="usa-textarea" id="ims-review-reason" name="reason" rows={2} required></textarea>
        </HintedField>
        <fieldset id="ims-signature" class="usa-fieldset">
          <legend class="usa-legend">{t('modelerPages.review.signature')}</legend>
          <p class="usa-hint hint" id="ims-signature-meaning">
            {t('modelerPages.review.signatureMeaning')}
          </p>
          {askEmail ? (
            <HintedField id="ims-review-email" label={t('modelerPages.review.email')} hint={t('modelerPages.review.emailHint')}>
              <input class="usa-input" type="email" id="ims-review-email" name="email" autocomplete="username" required aria-describedby="ims-review-email-hint" />
            </HintedField>
          ) : null}
          <HintedField id="ims-review-password" label={t('modelerPages.review.password')}>
            <input class="usa-input" type="password" id="ims-review-password" name="password" autocomplete="current-password" required aria-describedby="ims-signature-meaning" />
          </HintedField>
        </fieldset>
        <button type="submit" id="ims-review-submit" class="usa-button">
          {t('modelerPages.review.record')}
        </button>
        <p id="ims-review-result" role="status" aria-live="polite"></p>
      </form>
    </section>
  );
}

function Publish() {
  const { t } = useReader();
  return (
    <section id="ims-publish" aria-labelledby="ims-publish-title" hidden>
      <h2 id="ims-publish-title">{t('modelerPages.publish.title')}</h2>
      <form id="ims-publish-form" class="usa-form decide" novalidate>
        <HintedField id="ims-effective" label={t('modelerPages.publish.effective')} hint={t('modelerPages.publish.effectiveHint')}>
          <input class="usa-input" type="date" id="ims-effective" name="effectiveAt" aria-describedby="ims-effective-hint" />
        </HintedField>
        <button type="submit" id="ims-publish-submit" class="usa-button">
          {t('modelerPages.publish.submit')}
        </button>
        <p id="ims-publish-result" role="status" aria-live="polite"></p>
      </form>
    </section>
  );
}

/** Withdrawing an open change, with its reason (audited) and a confirmation; review.js shows it to whom the API lets withdraw. */
function Withdraw() {
  const { t } = useReader();
  return (
    <section id="ims-withdraw" aria-labelledby="ims-withdraw-title" hidden>
      <h2 id="ims-withdraw-title">{t('modelerPages.withdraw.title')}</h2>
      <form id="ims-withdraw-form" class="usa-form decide" novalidate data-confirm={t('modelerPages.withdraw.confirm')}>
        <HintedField id="ims-withdraw-reason" label={t('modelerPages.withdraw.reason')} hint={t('modelerPages.withdraw.hint')}>
          <textarea class="usa-textarea" id="ims-withdraw-reason" name="reason" rows={2} required aria-describedby="ims-withdraw-reason-hint"></textarea>
        </HintedField>
        <button type="submit" id="ims-withdraw-submit" class="usa-button usa-button--secondary">
          {t('modelerPages.withdraw.submit')}
        </button>
        <p id="ims-withdraw-result" role="status" aria-live="polite"></p>
      </form>
    </section>
  );
}
