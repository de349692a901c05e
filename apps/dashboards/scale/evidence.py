"""Evidence metadata (no file on disk), its blob rows, custody events and history."""

from __future__ import annotations

import hashlib
import json

from apps.evidence.storage import blob_path

from .audit import AuditSink
from .cases import Case
from .people import World
from .plan import DAY, END_SECONDS, EVIDENCE_DESCRIPTIONS, EVIDENCE_KINDS, EVIDENCE_TOPICS, stamp

ITEM = "id, title, description, source, original_filename, collected_at, personal_data, health_data, nir, registered_at"
COLUMNS = {
    "evidence_blob": (
        "id, sha256, size, media_type, storage_name, created_at, extracted_at, extracted_text, extraction_reason,"
        " extraction_status"
    ),
    # No search_vector: the trigger (switched to ALWAYS for the load) computes it.
    "evidence_evidence": f"{ITEM}, blob_id, case_id, collected_by_id, registered_by_id, supersedes_id",
    "evidence_historicalevidence": (
        f"{ITEM}, history_id, history_date, history_change_reason, history_type, blob_id, case_id,"
        " collected_by_id, history_user_id, registered_by_id, supersedes_id"
    ),
    "evidence_custodyevent": "id, kind, at, ip, detail, actor_id, evidence_id, case_id",
}
SOURCES = ("on_site", "documentary", "hearing", "online", "organisation", "public", "cnil")
MEDIA = (("application/pdf", "pdf"), ("image/png", "png"), ("text/csv", "csv"), ("message/rfc822", "eml"))


def make_evidence(world: World, sink: AuditSink, case: Case) -> None:
    rng, streams, seed = world.rng, world.streams, world.plan.seed
    rand = rng.random
    count = world.plan.large_evidence if case.is_large else int(rand() * 11)
    if not count:
        return
    blobs, items = streams["evidence_blob"], streams["evidence_evidence"]
    history, custody = streams["evidence_historicalevidence"], streams["evidence_custodyevent"]
    start = case.opened + DAY
    stop = (case.closes or END_SECONDS - 2 * DAY) - DAY
    room = max(60.0, stop - start)
    actors, case_id = case.actors, str(case.id)
    for n in range(count):
        pk = world.next_id("evidence_evidence")
        text_pk = str(pk)
        registered = start + room * (n + rand()) / count
        moment = stamp(registered)
        kind = EVIDENCE_KINDS[int(rand() * len(EVIDENCE_KINDS))]
        topic = EVIDENCE_TOPICS[int(rand() * len(EVIDENCE_TOPICS))]
        title = f"{kind} : {topic}"
        description = EVIDENCE_DESCRIPTIONS[n % len(EVIDENCE_DESCRIPTIONS)].format(topic=topic)
        source = SOURCES[int(rand() * len(SOURCES))]
        media, extension = MEDIA[int(rand() * 4)] if rand() < 0.3 else MEDIA[0]
        filename = f"piece-{pk}.{extension}"
        actor = actors[n % len(actors)]
        sha = hashlib.sha256(f"{seed}:{pk}".encode()).hexdigest()
        size = 2_000 + int(rand() * 5_000_000)
        personal = "t" if rand() < 0.6 else "f"
        health = "t" if rand() < 0.1 else "f"
        collected = stamp(registered - DAY) if source in ("on_site", "hearing") else "\\N"
        blobs.add(text_pk, sha, str(size), media, blob_path(sha), moment, moment, "", "", "done")
        fields = (text_pk, title, description, source, filename, collected, personal, health, "f", moment)
        collector = str(actor) if collected != "\\N" else "\\N"
        # The large case's items are described again twice: each version differs from the one before.
        described = [
            (*fields[:2], description + addition, *fields[3:])
            for addition in (" Description complétée.", " Description complétée, pièce relue.")
        ]
        final = described[-1] if case.is_large else fields
        items.add(*final, text_pk, case_id, collector, str(actor), "\\N")
        history.add(
            *fields,
            str(world.next_id("evidence_historicalevidence")),
            moment,
            "evidence_register",
            "+",
            text_pk,
            case_id,
            collector,
            str(actor),
            str(actor),
            "\\N",
        )
        detail = {"sha256": sha, "size": size, "source": source, "media_type": media, "supersedes": None}
        custody.add(
            str(world.next_id("evidence_custodyevent")),
            "registered",
            moment,
            "\\N",
            json.dumps(detail),
            str(actor),
            text_pk,
            case_id,
        )
        sink.push(
            registered,
            actor,
            "evidence_custody",
            "evidence.evidence",
            text_pk,
            case.id,
            f"Pièce « {title} » enregistrée (SHA-256 {sha[:12]})",
            {"kind": "registered", **detail},
        )
        if case.is_large:
            # The large case's items are described again (twice) and downloaded many times.
            for change, version in enumerate(described, start=1):
                changed = registered + change * 3600.0
                history.add(
                    *version,
                    str(world.next_id("evidence_historicalevidence")),
                    stamp(changed),
                    "evidence_update",
                    "~",
                    text_pk,
                    case_id,
                    collector,
                    str(actor),
                    str(actor),
                    "\\N",
                )
                sink.push(
                    changed,
                    actor,
                    "evidence_changed",
                    "evidence.evidence",
                    text_pk,
                    case.id,
                    f"Pièce « {title} » modifiée",
                    {"fields": ["description"]},
                )
            downloads = max(1, world.plan.large_extra_events // count)
        else:
            downloads = 1 if rand() < 0.15 else 0
        for d in range(downloads):
            at = min(registered + (d + 1) * 2 * DAY * rand() + 3600.0, END_SECONDS - 60.0)
            reader = actors[(n + d) % len(actors)]
            custody.add(
                str(world.next_id("evidence_custodyevent")),
                "downloaded",
                stamp(at),
                "10.1.2.3",
                "{}",
                str(reader),
                text_pk,
                case_id,
            )
            sink.push(
                at,
                reader,
                "evidence_custody",
                "evidence.evidence",
                text_pk,
                case.id,
                f"Pièce « {title} » téléchargée",
                {"kind": "downloaded"},
                "10.1.2.3",
            )
            case.last = max(case.last, at)
        case.last = max(case.last, registered)
