import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { closeStampThreads, controlledCopy, copyLabels, isStamped, type ControlledCopy, type CopyStamp } from '../../../processes/document-control/copies/index.js';
import { docx, odt, xlsx } from './office-files.js';
import { pageQrCodes, pageTexts } from './pdf-read.js';

/** Controlled copies of Word, Excel and OpenDocument files: LibreOffice makes the PDF, or the original comes back with a note. */

const CURRENT_URL = 'https://ims.example.com/documents/WI-PR-0007';

function stampOf(language = 'en'): CopyStamp {
  return {
    number: 'WI-PR-0007',
    title: 'Line clearance',
    revision: '3.1',
    status: 'effective',
    effectiveFrom: '1 March 2026',
    signatures: [{ name: 'Jörg Müller', meaning: 'Approval', signedAt: '12 February 2026, 14:03 CET' }],
    currentUrl: CURRENT_URL,
    labels: copyLabels(language),
  };
}

function stamped(copy: ControlledCopy): Uint8Array {
  if (!isStamped(copy)) throw new Error(`expected a stamped PDF, got the original (${copy.reason}: ${copy.detail})`);
  return copy.pdf;
}

/** Why LibreOffice cannot run here, or undefined when `soffice --version` answers. */
function missingLibreOffice(): string | undefined {
  const run = spawnSync('soffice', ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (run.error) return `soffice cannot be started (${run.error.message})`;
  return run.status === 0 ? undefined : `soffice --version exited with ${run.status}`;
}

describe('controlled copies of office files, with LibreOffice', function () {
  this.timeout(120_000);

  before(function () {
    const problem = missingLibreOffice();
    if (!problem) return;
    if (process.env.CI === 'true') throw new Error(`${problem}: CI must convert DOCX, XLSX and ODT (.ci/run installs libreoffice-writer-nogui and libreoffice-calc-nogui)`);
    console.log(`    skipping the LibreOffice conversions: ${problem}; install libreoffice-writer-nogui and libreoffice-calc-nogui`);
    this.skip();
  });

  after(() => closeStampThreads());

  it('turns a DOCX into a PDF and stamps every page of it', async () => {
    const file = docx(['Line clearance before every batch', 'Prüfen Sie die Abfüllanlage', 'Second page: sign the checklist'], [2]);
    const copy = await controlledCopy({ bytes: file, name: 'WI-PR-0007.docx' }, stampOf());
    expect(copy).to.include({ converted: true, from: 'docx' });
    const texts = await pageTexts(stamped(copy));
    expect(texts).to.have.length(2);
    expect(texts[0]).to.include('Line clearance before every batch').and.include('Prüfen Sie die Abfüllanlage');
    expect(texts[1]).to.include('Second page: sign the checklist');
    texts.forEach((text, index) => {
      expect(text).to.include('WI-PR-0007 · Line clearance').and.include('Revision 3.1').and.include('Effective from 1 March 2026');
      expect(text).to.include('Signed electronically: Jörg Müller (Approval, 12 February 2026, 14:03 CET)').and.include('Uncontrolled when printed');
      expect(text).to.include(`Page ${index + 1} of 2`);
    });
    expect(await pageQrCodes(stamped(copy))).to.deep.equal([[CURRENT_URL], [CURRENT_URL]]);
  });

  it('turns an ODT and an XLSX into stamped PDFs too', async () => {
    const text = await controlledCopy({ bytes: odt(['Nettoyage de la ligne']), name: 'WI-PR-0007.odt' }, stampOf('fr'));
    expect(copyText(await pageTexts(stamped(text)))).to.include('Nettoyage de la ligne').and.include('Copie non maîtrisée une fois imprimée');
    const workbook = await controlledCopy({ bytes: xlsx(['Checklist item', 'Seal replaced']), name: 'WI-PR-0007.xlsx' }, stampOf('de'));
    if (!isStamped(workbook) && process.env.CI !== 'true' && workbook.reason === 'conversion-failed') {
      console.log(`    not checked here: LibreOffice could not convert the XLSX (is libreoffice-calc-nogui installed?): ${workbook.detail}`);
      return;
    }
    expect(copyText(await pageTexts(stamped(workbook)))).to.include('Seal replaced').and.include('Ausgedruckt nicht gelenkt');
  });
});

/** A process's state letter from /proc (R, S, Z…), or 'gone'. */
function processState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? 'gone';
  } catch {
    return 'gone';
  }
}

function copyText(pages: string[]): string {
  return pages.join('\n');
}

describe('controlled copies of office files, without a working LibreOffice', function () {
  this.timeout(60_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-fake-soffice-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A stand-in for soffice: a shell script doing `body` (the module itself never runs a shell). */
  function fakeSoffice(name: string, body: string): string {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('gives back the original with a note in the reader’s language when LibreOffice is not installed', async () => {
    const file = docx(['Line clearance']);
    const copy = await controlledCopy({ bytes: file, name: 'WI-PR-0007.docx' }, stampOf('de'), { soffice: join(dir, 'not-installed', 'soffice') });
    if (isStamped(copy)) throw new Error('expected the original');
    expect(copy.original).to.equal(file);
    expect(copy).to.include({ from: 'docx', reason: 'no-converter', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' });
    expect(copy.note).to.equal(copyLabels('de').unstamped['no-converter']);
    expect(copy.note).to.include('keine gestempelte gelenkte Kopie');
  });

  it('gives back the original with a note when the conversion times out, and ends LibreOffice with all it started', async () => {
    const childPid = join(dir, 'child.pid');
    const soffice = fakeSoffice('hanging-soffice', `sleep 60 &\necho $! > "${childPid}"\nwait`);
    const copy = await controlledCopy({ bytes: odt(['Nettoyage']), name: 'a.odt' }, stampOf('fr'), { soffice, conversionTimeoutMs: 1500 });
    if (isStamped(copy)) throw new Error('expected the original');
    expect(copy).to.include({ reason: 'conversion-timeout', from: 'odt' });
    expect(copy.note).to.equal(copyLabels('fr').unstamped['conversion-timeout']);
    expect(copy.detail).to.equal('no PDF after 1500 ms; the conversion was stopped');
    // the launcher's own child was in its process group and was killed with it
    const pid = Number(readFileSync(childPid, 'utf8'));
    expect(processState(pid), `process ${pid}`).to.be.oneOf(['gone', 'Z']); // a zombie is dead, waiting for init to reap it
  });

  it('gives back the original with a note when LibreOffice writes no PDF, and converts one file at a time', async () => {
    const log = join(dir, 'runs.log');
    const soffice = fakeSoffice('failing-soffice', `echo start >> "${log}"\nsleep 0.3\necho end >> "${log}"\necho "Error: source file could not be loaded" >&2\nexit 1`);
    const copies = await Promise.all([1, 2, 3].map(() => controlledCopy({ bytes: docx(['x']), name: 'a.docx' }, stampOf(), { soffice })));
    for (const copy of copies) {
      if (isStamped(copy)) throw new Error('expected the original');
      expect(copy.reason).to.equal('conversion-failed');
      expect(copy.detail).to.include('Error: source file could not be loaded');
      expect(copy.note).to.equal(copyLabels('en').unstamped['conversion-failed']);
    }
    expect(readFileSync(log, 'utf8').trim().split('\n')).to.deep.equal(['start', 'end', 'start', 'end', 'start', 'end']);
  });

  it('gives back the original when too many conversions are waiting already', async () => {
    const soffice = fakeSoffice('slow-soffice', 'sleep 0.5\nexit 1');
    const copies = await Promise.all([1, 2, 3].map(() => controlledCopy({ bytes: docx(['x']), name: 'a.docx' }, stampOf(), { soffice, maxQueuedConversions: 1 })));
    expect(copies.map((copy) => (isStamped(copy) ? 'stamped' : copy.reason))).to.deep.equal(['conversion-failed', 'conversion-failed', 'converter-busy']);
  });
});
