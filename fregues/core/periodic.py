"""Periodic tasks: apps register them at start-up; ``fregues scheduler`` enqueues each one
through the task API when it is due (the workers run them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Periodic:
    task_path: str
    every_seconds: int


PERIODIC: list[Periodic] = []


def register_periodic(task_path: str, every_seconds: int) -> None:
    if all(p.task_path != task_path for p in PERIODIC):
        PERIODIC.append(Periodic(task_path, every_seconds))
