import { expect } from 'chai';
import { escalationLevel, isOverdue, recordTitle } from '../../engine/kernel/present/index.js';

describe('presenting records and tasks', () => {
  it('titles a record by its number and what it is about, so two CAPAs read apart', () => {
    expect(recordTitle({ businessKey: 'CAPA-2026-0004', variables: { title: '  Leaking valve\non line 3 ' } }).text).to.equal('CAPA-2026-0004 · Leaking valve on line 3');
    expect(recordTitle({ businessKey: 'IA-2026-0002', variables: { area: 'Warehouse' } }).text).to.equal('IA-2026-0002 · Warehouse');
    expect(recordTitle({ businessKey: 'MR-2026-0001', variables: { meetingDate: '2026-05-09' } })).to.deep.equal({ key: 'MR-2026-0001', text: 'MR-2026-0001' });
    expect(recordTitle({ businessKey: 'X-1', variables: { title: 'x'.repeat(300) } }).title).to.have.length(120);
  });

  it('calls an open task past its due time overdue, and a done one never', () => {
    expect(isOverdue({ status: 'open', dueAt: '2026-05-09T07:00:00Z' }, '2026-05-09T07:00:01Z')).to.equal(true);
    expect(isOverdue({ status: 'open', dueAt: '2026-05-09T07:00:00Z' }, '2026-05-09T06:59:59Z')).to.equal(false);
    expect(isOverdue({ status: 'completed', dueAt: '2026-05-09T07:00:00Z' }, '2027-01-01T00:00:00Z')).to.equal(false);
    expect(isOverdue({ status: 'open' }, '2027-01-01T00:00:00Z')).to.equal(false);
  });

  it('shows the escalation step an open task reached', () => {
    expect(escalationLevel({ status: 'open', escalationLevel: 2 })).to.equal(2);
    expect(escalationLevel({ status: 'open' })).to.equal(0);
    expect(escalationLevel({ status: 'completed', escalationLevel: 2 })).to.equal(0);
  });
});
