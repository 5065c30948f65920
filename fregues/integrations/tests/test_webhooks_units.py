"""The pieces of the outbound webhooks a receiver relies on: which events a subscription
gets, the signature a receiver verifies, and when a failed delivery is tried again."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import random

from fregues.integrations.webhooks.catalogue import EVENT_TYPES, matches, pattern_problem
from fregues.integrations.webhooks.signing import retry_delay, secret_new, signature, verify


def test_a_subscription_gets_exact_names_prefixes_or_everything() -> None:
    assert matches(["party.created"], "party.created")
    assert not matches(["party.created"], "party.updated")
    assert matches(["case.*"], "case.transitioned")
    assert not matches(["case.*"], "cases.imported")
    assert matches(["sales.order.*"], "sales.order.created")
    assert not matches(["sales.order.*"], "sales.orders.imported")
    assert matches(["*"], "interaction.recorded")
    assert not matches([], "party.created")


def test_only_events_we_emit_can_be_subscribed() -> None:
    for name in ("party.created", "party.merged", "interaction.recorded", "case.transitioned"):
        assert name in EVENT_TYPES
    assert "sales.order.created" in EVENT_TYPES
    assert pattern_problem("case.*") is None
    assert pattern_problem("*") is None
    assert pattern_problem("party.exploded") is not None
    assert pattern_problem("nothing.*") is not None


def test_a_receiver_verifies_the_signature_over_the_raw_body() -> None:
    secret = secret_new()
    body = b'{"id":"evt_1","event":"party.created","data":{"party_id":1}}'
    header = signature(secret, body, 1_700_000_000)
    # what a receiver writes by hand, following the docs
    parts = dict(item.split("=", 1) for item in header.split(","))
    signed = f"{parts['t']}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    assert verify(secret, body, header, now=1_700_000_010)


def test_a_tampered_body_an_other_secret_or_an_old_request_fails_the_check() -> None:
    secret = secret_new()
    body = b'{"event":"party.created"}'
    header = signature(secret, body, 1_700_000_000)
    assert not verify(secret, body + b" ", header, now=1_700_000_000)
    assert not verify(secret_new(), body, header, now=1_700_000_000)
    assert not verify(secret, body, header, now=1_700_000_000 + 3600)
    assert not verify(secret, body, "v1=abc", now=1_700_000_000)


def test_retries_back_off_then_come_every_hour_with_a_little_jitter() -> None:
    rng = random.Random(7)
    expected = [30, 120, 600, 1800, 3600, 3600, 3600]
    for attempt, base in enumerate(expected, start=1):
        delay = retry_delay(attempt, rng).total_seconds()
        assert base <= delay <= base * 1.1, (attempt, delay)
    # three days of hourly retries: about 72 + 5 attempts before giving up
    total = sum((retry_delay(n, rng) for n in range(1, 78)), datetime.timedelta())
    assert total >= datetime.timedelta(days=3)
