import hashlib
import json

import pytest
import rfc8785
from django.contrib.auth import get_user_model
from django.db import transaction

from apps.audit.choices import AuditAction
from apps.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent, AuditLogAppendOnlyError
from apps.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return get_user_model().objects.create_user(email="ines@cnil.test", password="x" * 16, full_name="Inès Leroy")


def test_events_get_contiguous_numbers_and_link_to_their_predecessor(agent):
    events = [audit_record(actor=agent, action=AuditAction.LOGIN, summary=f"e{i}") for i in range(3)]
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (3, events[2].hash)


def test_case_links_chain_only_that_cases_events(agent):
    a1 = audit_record(actor=agent, action=AuditAction.LOGIN, summary="a1", case_id=1)
    b1 = audit_record(actor=agent, action=AuditAction.LOGIN, summary="b1", case_id=2)
    none = audit_record(actor=agent, action=AuditAction.LOGIN, summary="no case")
    a2 = audit_record(actor=agent, action=AuditAction.LOGIN, summary="a2", case_id=1)
    assert a1.case_prev_hash == GENESIS_HASH
    assert b1.case_prev_hash == GENESIS_HASH
    assert a2.case_prev_hash == a1.case_hash
    assert (none.case_prev_hash, none.case_hash) == ("", "")


def test_actor_snapshot_and_system_actor(agent):
    staff = audit_record(actor=agent, action=AuditAction.LOGIN, summary="staff")
    assert (staff.actor_id, staff.actor_name, staff.actor_kind) == (agent.pk, "Inès Leroy", "staff")
    system = audit_record(actor=None, action=AuditAction.CHAIN_VERIFIED, summary="nightly")
    assert (system.actor_id, system.actor_name, system.actor_kind) == (None, "system", "system")


def test_hash_is_sha256_over_previous_hash_and_rfc8785_bytes(agent):
    event = audit_record(
        actor=agent, action=AuditAction.LOGIN, summary="Connexion", data={"b": 2, "a": [1, "é"]}, ip="192.0.2.7"
    )
    event = AuditEvent.objects.get(seq=event.seq)  # as stored
    document = {
        "seq": 1,
        "occurred_at": event.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": agent.pk,
        "actor_name": "Inès Leroy",
        "actor_role": "",
        "actor_kind": "staff",
        "action": "login",
        "object_type": "",
        "object_id": "",
        "case_id": None,
        "summary": "Connexion",
        "data": {"a": [1, "é"], "b": 2},
        "ip": "192.0.2.7",
    }
    canonical = rfc8785.dumps(document)
    assert canonical.startswith(b'{"action":"login","actor_id":')  # keys sorted, no spaces
    assert json.loads(canonical) == document
    assert event.hash == hashlib.sha256(GENESIS_HASH.encode() + canonical).hexdigest()


def test_model_refuses_changes(agent):
    event = audit_record(actor=agent, action=AuditAction.LOGIN, summary="x")
    event.summary = "rewritten"
    with pytest.raises(AuditLogAppendOnlyError):
        event.save()
    with pytest.raises(AuditLogAppendOnlyError):
        event.delete()
    with pytest.raises(AuditLogAppendOnlyError):
        AuditEvent.objects.filter(seq=event.seq).update(summary="rewritten")
    with pytest.raises(AuditLogAppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(seq=event.seq).summary == "x"


def test_append_recreates_a_missing_head_from_the_events(agent):
    first = audit_record(actor=agent, action=AuditAction.LOGIN, summary="1")
    AuditChainHead.objects.all().delete()
    second = audit_record(actor=agent, action=AuditAction.LOGIN, summary="2")
    assert second.seq == 2
    assert second.prev_hash == first.hash


def test_an_event_rolled_back_with_its_change_leaves_no_gap(agent):
    audit_record(actor=agent, action=AuditAction.LOGIN, summary="kept")
    sid = transaction.savepoint()
    audit_record(actor=agent, action=AuditAction.LOGIN, summary="rolled back")
    transaction.savepoint_rollback(sid)
    after = audit_record(actor=agent, action=AuditAction.LOGIN, summary="next")
    assert after.seq == 2
