"""A case's audit events exported for a third party, and checked from the file alone.

The export is made from real cases and events; the checks run with database access blocked
(pytest-django's blocker), as a third party without the database would run them. Tampered files
are re-sealed (footer recomputed, as anyone can) so that each test shows the chain check — not the
footer digest — catching the change.
"""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from apps.audit.anchors import anchor_write
from apps.audit.choices import AuditAction
from apps.audit.export import FORMAT, export_lines, verify_export
from apps.audit.models import GENESIS_HASH, AccessRecord, AuditEvent, canonical_bytes, link
from apps.audit.services import audit_record
from apps.cases import services as case_services
from tests.audit.test_anchors import rewrite_from
from tests.support import make_staff

SECRET = "Signalement confidentiel du lanceur d'alerte"
SECRET_DATA = "nom-du-lanceur-alerte"


def run(capsys, command, *args):
    try:
        call_command(command, *args)
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    out = capsys.readouterr()
    return code, out.out, out.err


def read(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def write_sealed(path, documents: list[dict]) -> None:
    """Write ``documents`` as an export, the footer's counts and digest recomputed from them."""
    body = [json.dumps(d, separators=(",", ":")) + "\n" for d in documents if d["type"] != "footer"]
    footer = {
        "type": "footer",
        "events": sum(d["type"] == "event" for d in documents),
        "links": sum(d["type"] == "link" for d in documents),
        "anchors": sum(d["type"] == "anchor" for d in documents),
        "sha256_of_preceding_lines": hashlib.sha256("".join(body).encode()).hexdigest(),
    }
    path.write_text("".join(body) + json.dumps(footer) + "\n")


def index_of(documents: list[dict], seq: int) -> int:
    return next(i for i, d in enumerate(documents) if d.get("seq") == seq and d["type"] in ("event", "link"))


# --- From real cases --------------------------------------------------------------------------


@pytest.fixture
def scenario(db, tmp_path, settings):
    """Case ``case`` with four events (opening makes two), interleaved with another case's and the system's.

    Anchors: one before the case's last event (not used), one two events after it (used), and the
    other case goes on after that.
    """
    settings.AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    agent = make_staff("ines@cnil.test", full_name="Ines Leroy")
    case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Controle en ligne")
    other = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Autre dossier")
    audit_record(
        actor=agent, action=AuditAction.CASE_CHANGED, summary=SECRET, case_id=other.pk, data={"who": SECRET_DATA}
    )
    case_services.case_transition(actor=agent, case=case, to_status="investigating", reason="Controle decide")
    early = anchor_write()
    audit_record(actor=None, action=AuditAction.LOGIN, summary="login")
    case_services.case_update(actor=agent, case=case, priority="high")
    audit_record(actor=agent, action=AuditAction.CASE_CHANGED, summary=SECRET, case_id=other.pk)
    audit_record(actor=None, action=AuditAction.LOGIN, summary="login")
    anchor = anchor_write()
    audit_record(actor=agent, action=AuditAction.CASE_CHANGED, summary="after the anchor", case_id=other.pk)
    seqs = list(AuditEvent.objects.filter(case_id=case.pk).values_list("seq", flat=True))
    return {
        "agent": agent,
        "case": case,
        "other": other,
        "seqs": seqs,
        "early": early,
        "anchor": anchor,
        "dir": tmp_path,
    }


@pytest.fixture
def exported(scenario, capsys):
    path = scenario["dir"] / "export.jsonl"
    code, out, _err = run(capsys, "audit_export", "--case", scenario["case"].reference, "--output", str(path))
    assert code == 0
    assert f"anchored at seq {scenario['anchor'].seq}" in out
    return path


@pytest.fixture
def no_db(django_db_blocker):
    """Database access blocked, even on the connection the test already opened."""
    with django_db_blocker.block():
        yield


def verify_file(capsys, path):
    return run(capsys, "audit_verify", "--file", str(path))


def test_an_exported_case_verifies_on_its_own(scenario, exported, no_db, capsys):
    case, seqs, anchor = scenario["case"], scenario["seqs"], scenario["anchor"]
    code, out, err = verify_file(capsys, exported)
    assert (code, err) == (0, "")
    links = anchor.seq - seqs[0] + 1 - len(seqs)
    assert f"OK: {len(seqs)} events of case {case.reference}, {links} links, anchored at seq {anchor.seq}" in out
    assert f"({anchor.source}:" in out  # file:line of the anchor


def test_the_export_has_the_case_events_in_order_and_every_seq_up_to_the_anchor(scenario, exported):
    documents = read(exported)
    assert documents[0]["format"] == FORMAT
    assert documents[0]["case_reference"] == scenario["case"].reference
    chain = [d for d in documents if d["type"] in ("event", "link")]
    assert [d["seq"] for d in chain] == list(range(scenario["seqs"][0], scenario["anchor"].seq + 1))
    assert [d["seq"] for d in chain if d["type"] == "event"] == scenario["seqs"]
    assert [d["seq"] for d in documents if d["type"] == "anchor"] == [scenario["anchor"].seq]  # not the early one
    assert scenario["early"].seq < scenario["seqs"][-1]
    assert documents[-1]["type"] == "footer"


def test_the_export_reveals_nothing_of_another_cases_events(scenario, exported):
    text = exported.read_text()
    assert SECRET not in text
    assert SECRET_DATA not in text
    assert "after the anchor" not in text
    assert f'"case_id":{scenario["other"].pk},' not in text
    for document in read(exported):
        if document["type"] == "link":
            assert set(document) == {"type", "seq", "prev_hash", "hash"}


def test_an_altered_summary_is_named_by_its_seq(scenario, exported, no_db, capsys):
    documents = read(exported)
    seq = scenario["seqs"][1]
    documents[index_of(documents, seq)]["summary"] = "Rien ne s'est passe"
    write_sealed(exported, documents)
    code, _out, err = verify_file(capsys, exported)
    assert code == 1
    assert f"(seq {seq}): hash does not match the event's content (altered)" in err


def test_a_removed_event_line_is_named(scenario, exported, no_db, capsys):
    documents = read(exported)
    seq = scenario["seqs"][1]
    del documents[index_of(documents, seq)]
    write_sealed(exported, documents)
    code, _out, err = verify_file(capsys, exported)
    assert code == 1
    assert f"(seq {seq}): seq {seq} expected after seq {seq - 1}, found seq {seq + 1}" in err


def test_a_reordered_pair_is_named(scenario, exported, no_db, capsys):
    documents = read(exported)
    seq = scenario["seqs"][1]
    i = index_of(documents, seq)
    documents[i], documents[i + 1] = documents[i + 1], documents[i]
    write_sealed(exported, documents)
    code, _out, err = verify_file(capsys, exported)
    assert code == 1
    assert f"BROKEN at line {i + 1} (seq {seq}): seq {seq} expected" in err


def test_an_event_passed_off_as_a_link_is_caught_by_the_case_chain(scenario, exported, no_db, capsys):
    documents = read(exported)
    seq = scenario["seqs"][1]
    i = index_of(documents, seq)
    documents[i] = {k: documents[i][k] for k in ("type", "seq", "prev_hash", "hash")} | {"type": "link"}
    write_sealed(exported, documents)
    code, _out, err = verify_file(capsys, exported)
    assert code == 1
    assert f"(seq {scenario['seqs'][2]}): case_prev_hash is not the case hash of the case's previous event" in err


def test_an_altered_link_line_is_named(scenario, exported, no_db, capsys):
    documents = read(exported)
    seq = next(d["seq"] for d in documents if d["type"] == "link")
    documents[index_of(documents, seq)]["hash"] = "f" * 64
    write_sealed(exported, documents)
    code, _out, err = verify_file(capsys, exported)
    assert code == 1
    assert f"(seq {seq + 1}): prev_hash is not the hash of seq {seq}" in err


def test_an_anchor_mismatch_is_named(scenario, exported, no_db, capsys):
    documents = read(exported)
    documents[-2]["hash"] = "a" * 64
    write_sealed(exported, documents)
    code, _out, err = verify_file(capsys, exported)
    assert code == 1
    assert f"(seq {scenario['anchor'].seq}): anchor hash is not the hash at seq" in err


def test_an_export_from_a_chain_rewritten_after_the_anchor_fails(scenario, capsys, tmp_path):
    """The anchor was written outside the database: a chain re-hashed since no longer reaches it."""
    rewrite_from(scenario["seqs"][1])
    path = tmp_path / "rewritten.jsonl"
    assert run(capsys, "audit_export", "--case", scenario["case"].reference, "--output", str(path))[0] == 0
    code, _out, err = verify_file(capsys, path)
    assert code == 1
    assert "anchor hash is not the hash at seq" in err


def test_limit_a_forger_who_also_rewrites_the_next_link_is_not_caught(scenario, exported, no_db, capsys):
    """What the module docstring says the export cannot prove: link hashes are taken as given, so
    an altered event re-hashed, with the next link line's prev_hash set to match, still verifies."""
    documents = read(exported)
    seq = scenario["seqs"][-1]
    event = documents[index_of(documents, seq)]
    event["summary"] = "forged"
    payload = canonical_bytes(event | {"occurred_at": datetime.fromisoformat(event["occurred_at"])})
    event["hash"], event["case_hash"] = link(event["prev_hash"], payload), link(event["case_prev_hash"], payload)
    documents[index_of(documents, seq + 1)]["prev_hash"] = event["hash"]
    write_sealed(exported, documents)
    code, out, _err = verify_file(capsys, exported)
    assert code == 0
    assert "links (other events, content not in the file) are taken as given" in out


def test_a_damaged_or_cut_file_is_named(scenario, exported, no_db, capsys):
    lines = exported.read_text().splitlines(keepends=True)
    exported.write_text(lines[0].replace('"exported_at":"', '"exported_at":"1') + "".join(lines[1:]))
    code, _out, err = verify_file(capsys, exported)
    assert code == 1
    assert f"BROKEN at line {len(lines)}: footer digest does not match" in err
    exported.write_text("".join(lines[:-1]))
    code, _out, err = verify_file(capsys, exported)
    assert code == 1
    assert "no footer: the file is cut short" in err


def test_without_a_covering_anchor_the_export_still_verifies(scenario, tmp_path, capsys):
    case_services.case_update(actor=scenario["agent"], case=scenario["case"], priority="low")  # after every anchor
    path = tmp_path / "export.jsonl"
    code, out, _err = run(capsys, "audit_export", "--case", scenario["case"].reference, "--output", str(path))
    assert code == 0
    assert "no anchor at or after seq" in out
    assert not [d for d in read(path) if d["type"] == "anchor"]
    code, out, _err = verify_file(capsys, path)
    assert code == 0
    assert f"OK: {len(scenario['seqs']) + 1} events of case {scenario['case'].reference}" in out
    assert "no anchor: per-case chain and links only" in out


def test_export_to_stdout_is_the_same_format(scenario, capsys):
    code, out, err = run(capsys, "audit_export", "--case", scenario["case"].reference)
    assert code == 0
    assert f"Exported case {scenario['case'].reference}" in err
    result = verify_export(line.encode() for line in out.splitlines(keepends=True))
    assert (result.ok, result.events, result.anchor_seq) == (True, len(scenario["seqs"]), scenario["anchor"].seq)


def test_an_unknown_reference_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no case with reference 1999-999999"):
        call_command("audit_export", "--case", "1999-999999")


def test_a_missing_anchor_directory_is_a_clear_error(scenario, tmp_path):
    with pytest.raises(CommandError, match="no such directory"):
        call_command("audit_export", "--case", scenario["case"].reference, "--anchors", str(tmp_path / "none"))


# --- Without any database ---------------------------------------------------------------------


def synthetic_rows(cases: list[int | None]) -> list[dict]:
    """A chain of events of the given cases, hashed the way ``audit_record`` hashes them."""
    rows, previous, heads = [], GENESIS_HASH, {}
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    for seq, case_id in enumerate(cases, start=1):
        values = {
            "seq": seq,
            "occurred_at": start + timedelta(minutes=seq),
            "actor_id": 7,
            "actor_name": "Inès Leroy",
            "actor_role": "investigator",
            "actor_kind": "staff",
            "action": "case_changed",
            "object_type": "cases.case",
            "object_id": str(case_id),
            "case_id": case_id,
            "summary": f"événement {seq}",
            "data": {"montant": 1.5, "liste": [1, "deux"]},
            "ip": "192.0.2.1",
        }
        payload = canonical_bytes(values)
        values["prev_hash"], values["hash"] = previous, link(previous, payload)
        values["case_prev_hash"] = values["case_hash"] = ""
        if case_id is not None:
            values["case_prev_hash"] = heads.get(case_id, GENESIS_HASH)
            values["case_hash"] = heads[case_id] = link(values["case_prev_hash"], payload)
        previous = values["hash"]
        rows.append(values)
    return rows


def test_an_export_verifies_without_the_database(tmp_path, capsys):
    """No django_db mark: pytest-django refuses any query, so neither side may touch the database."""
    rows = synthetic_rows([1, 2, 1, None, 2, 1, 2])  # the span ends at case 1's last event, seq 6
    path = tmp_path / "export.jsonl"
    lines = export_lines(case_id=1, case_reference="2026-000001", rows=rows[:6], anchor=None, exported_at="now")
    path.write_text("".join(lines))
    assert "\\u00e9v\\u00e9nement" in path.read_text()  # ASCII only: the same bytes on any terminal
    code, out, _err = verify_file(capsys, path)
    assert code == 0
    assert "OK: 3 events of case 2026-000001, 3 links, no anchor: per-case chain and links only" in out


def test_file_errors_are_clear_command_errors(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("audit_verify", "--file", str(tmp_path / "missing.jsonl"))
    (tmp_path / "text.jsonl").write_text("this is not json\n")
    with pytest.raises(CommandError, match="not a cnilcase audit export"):
        call_command("audit_verify", "--file", str(tmp_path / "text.jsonl"))
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(CommandError, match="empty file"):
        call_command("audit_verify", "--file", str(tmp_path / "empty.jsonl"))
    (tmp_path / "other.jsonl").write_text('{"type": "header", "format": "something/2"}\n')
    with pytest.raises(CommandError, match="this verifier reads cnilcase-audit-export/1"):
        call_command("audit_verify", "--file", str(tmp_path / "other.jsonl"))
    with pytest.raises(CommandError, match="do not combine it with --case"):
        call_command("audit_verify", "--file", str(tmp_path / "text.jsonl"), "--case", "1")


def test_an_export_is_recorded_in_the_access_log(scenario, exported):
    record = AccessRecord.objects.get(object_type="audit_export")
    assert (record.case_id, record.action, record.user_id, record.user_kind) == (
        scenario["case"].pk,
        "export",
        None,
        "system",
    )
    assert record.label == f"audit_export --case {scenario['case'].reference} --output {exported}"
