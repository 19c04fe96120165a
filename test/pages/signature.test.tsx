/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { expect } from 'chai';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import { AuthenticationError } from '../../engine/features/accounts/index.js';
import type { SignatureRecord } from '../../engine/features/signatures/index.js';
import { MessageCatalogue, readerFor } from '../../engine/kernel/i18n/index.js';
import type { TaskRecord } from '../../engine/kernel/model.js';
import { SignatureFieldset, SignatureLine, SignedBlock } from '../../api/pages/components/Signature.js';
import { PAGE_MESSAGES, ReaderProvider } from '../../api/pages/reader.js';
import { notSignedMessage, signingPrompt } from '../../api/pages/signature.js';
import { expectEveryMessageFound } from '../support/messages.js';

/**
 * The electronic signature in the reader's language (21 CFR 11.50): the prompt on a task form and the
 * signature as shown with its record, in English, German and French; the time on the signer's clock with
 * its zone named, never an ISO timestamp.
 */

const catalogue = new MessageCatalogue([PAGE_MESSAGES]);
const as = (locale: string, zone: string, page: VNode) => render(<ReaderProvider reader={readerFor(catalogue, locale, zone)}>{page}</ReaderProvider>);
const text = (html: string) => html.replace(/<[^<>]*>/g, ' ').replace(/\s+/g, ' ').replace(/[\u202f\u00a0]/g, ' ');

const TASK = { id: 't1', definitionKey: 'nonconformity', elementId: 'verify', name: 'Verify effectiveness', businessKey: 'NC-2026-0007', signature: 'verified' } as TaskRecord;
const SIGNATURE = { id: 's1', taskId: 't1', instanceId: 'i1', userId: 'qm1', printedName: 'Quinn Manager', meaning: 'verified', signedAt: '2026-05-04T07:00:00.000Z', timeZone: 'Europe/Zurich', method: 'password+userid' } as SignatureRecord;

describe('the electronic signature in the reader’s language', () => {
  expectEveryMessageFound();

  it('asks in English as before: the meaning, what it confirms, email and password tied to the statement', () => {
    const prompt = signingPrompt(TASK, undefined)!;
    const html = as('en-GB', 'UTC', <SignatureFieldset prompt={prompt} values={{ 'signature.email': 'quinn@example.com' }} errors={[]} />);
    expect(html).to.include('<legend class="usa-legend">Electronic signature: Verified</legend>');
    expect(html).to.include('<p id="sig-meaning">By signing you confirm you verified “Verify effectiveness” for NC-2026-0007, with the data entered here.</p>');
    expect(html).to.include('<label class="usa-label" for="s-email">Your email (user id)</label>');
    expect(html).to.include('id="s-email" name="signature.email" type="email" autocomplete="username" value="quinn@example.com" required aria-describedby="sig-meaning"');
    expect(html).to.include('id="s-password" name="signature.password" type="password" autocomplete="current-password" required aria-describedby="sig-meaning"');
  });

  it('asks in German and French, problems and refusals included, the record by its title', () => {
    const prompt = signingPrompt(TASK, undefined, 'NC-2026-0007 · Burr on housing')!;
    const missing = [{ field: 'signature.email', message: 'a signature made without a session needs your email (user id) as well' }];
    const de = text(as('de-CH', 'Europe/Zurich', <SignatureFieldset prompt={prompt} values={{}} errors={missing} refusal={notSignedMessage(readerFor(catalogue, 'de-CH'), new AuthenticationError('the password is wrong'), new Date())} />));
    expect(de).to.include('Elektronische Unterschrift: Verifiziert');
    expect(de).to.include('Mit Ihrer Unterschrift bestätigen Sie, dass Sie „Verify effectiveness“ für NC-2026-0007 · Burr on housing verifiziert haben, mit den hier eingegebenen Daten.');
    expect(de).to.include('Ihre E-Mail-Adresse (Benutzerkennung)').and.include('Ihr Passwort');
    expect(de).to.include('eine Unterschrift ohne Sitzung braucht auch Ihre E-Mail-Adresse (Benutzerkennung)');
    expect(de).to.include('Nicht unterschrieben: das Passwort ist falsch. Es wurde nichts gespeichert.');

    const now = new Date('2026-05-04T07:00:00Z');
    const slowed = new AuthenticationError('too many wrong passwords: try again later', '2026-05-04T07:00:30Z');
    const fr = text(as('fr-FR', 'Europe/Paris', <SignatureFieldset prompt={{ ...prompt, askEmail: false }} values={{}} errors={[]} refusal={notSignedMessage(readerFor(catalogue, 'fr-FR'), slowed, now)} />));
    expect(fr).to.include('Signature électronique : Vérifié');
    expect(fr).to.include('En signant, vous confirmez avoir vérifié « Verify effectiveness » pour NC-2026-0007 · Burr on housing');
    expect(fr).to.include('Non signé : trop de mots de passe incorrects : réessayez dans 30 secondes. Rien n’a été enregistré.');
    expect(fr).to.not.include('Votre adresse e-mail');
    expect(notSignedMessage(readerFor(catalogue, 'en-GB'), slowed, now)).to.equal('Not signed: too many wrong passwords: try again in 30 seconds. Nothing was saved.');
  });

  it('shows a signature on the signer’s clock with the zone named, in the reader’s words', () => {
    const en = as('en-GB', 'UTC', <SignedBlock signature={SIGNATURE} />);
    expect(en).to.include('<time datetime="2026-05-04T07:00:00.000Z">');
    expect(text(en)).to.match(/Signed by Quinn Manager Meaning Verified Date and time 4 May 2026 at 09:00:00 CEST \(Europe\/Zurich\)/);
    const de = text(as('de-CH', 'Europe/Zurich', <SignedBlock signature={SIGNATURE} />));
    expect(de).to.match(/Unterschrieben von Quinn Manager Bedeutung Verifiziert Datum und Uhrzeit 4\. Mai 2026 um 09:00:00 MESZ \(Europe\/Zurich\)/);
    expect(de).to.include('Verifiziert von Quinn Manager am 4. Mai 2026');
    // a reader in Dublin sees the time the signer saw, with the signer's zone: the record does not move
    const fr = text(as('fr-FR', 'Europe/Dublin', <SignatureLine signature={SIGNATURE} valid={true} />));
    expect(fr).to.match(/Signé électroniquement : Vérifié par Quinn Manager le 4 mai 2026 (à )?09:00:00 UTC\+2 \(Europe\/Zurich\) ?\. La signature correspond à l’enregistrement\./);
    const broken = text(as('de-CH', 'Europe/Zurich', <SignatureLine signature={{ ...SIGNATURE, timeZone: 'UTC' }} valid={false} changes={['data.evidence changed']} />));
    expect(broken).to.include('Die Unterschrift stimmt nicht mehr überein:').and.include('07:00:00 UTC').and.include('data.evidence changed');
    for (const shown of [en, de, fr, broken]) expect(text(shown)).to.not.match(/\d{4}-\d\d-\d\dT\d\d:|\$\{|\{"/);
  });
});
