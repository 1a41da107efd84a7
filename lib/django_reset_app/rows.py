"""Rows of other apps whose foreign keys point into the apps being reset.

Deleted or rewritten through Django's own deletion collector, so the result is what deleting the
app's rows through the ORM would do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.apps.registry import Apps
from django.db.models import Field, Model, QuerySet
from django.db.models.deletion import Collector, ProtectedError, RestrictedError

from django_reset_app.on_delete import on_delete_action, on_delete_name
from django_reset_app.plan import ACTION_DELETE, ACTION_SET_DEFAULT, ACTION_SET_NULL, Referencing


class ForeignKeyIn(NamedTuple):
    """A referencing foreign key with the historical model and field that carry it out."""

    ref: Referencing
    model: type[Model]
    field: Field


def find_referencing(state_apps: Apps, labels: set[str], alias: str) -> list[ForeignKeyIn]:
    """Foreign keys of other apps' models to the reset apps, with how many rows use them."""
    found = []
    for model in state_apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label in labels or not meta.managed or meta.proxy:
            continue
        for fk in meta.local_fields:
            target = fk.related_model if fk.is_relation else None
            if target is not None and target._meta.app_label in labels:
                found.append(ForeignKeyIn(_referencing(model, fk, target, alias), model, fk))
    return found


def _referencing(model: type[Model], fk: Field, target: Any, alias: str) -> Referencing:
    on_delete = fk.remote_field.on_delete
    return Referencing(
        model_label=model._meta.label,
        field_name=fk.name,
        target_label=target._meta.label,
        on_delete=on_delete_name(on_delete),
        action=on_delete_action(on_delete),
        rows=pointing(model, fk, alias).count(),
    )


def pointing(model: type[Model], fk: Field, alias: str) -> QuerySet[Any]:
    """The rows that use the foreign key: a NULL points nowhere and is left alone."""
    return model._base_manager.using(alias).filter(**{f"{fk.name}__isnull": False})


def cascade_preview(referencing: Iterable[ForeignKeyIn], alias: str) -> tuple[dict[str, int], str]:
    """Count what CASCADE will delete, reading only; and what blocks it, if anything does."""
    try:
        collector = collect_cascade(referencing, alias)
    except (ProtectedError, RestrictedError) as error:
        return {}, str(error.args[0])
    counts: Counter[str] = Counter()
    for model, instances in collector.data.items():
        counts[model._meta.label] += len(instances)
    for objs in collector.fast_deletes:
        counts[objs.model._meta.label] += len(objs) if isinstance(objs, list) else objs.count()
    return {label: count for label, count in counts.items() if count}, ""


def collect_cascade(referencing: Iterable[ForeignKeyIn], alias: str) -> Collector:
    """Django's collector over the rows that CASCADE deletes, and whatever they drag along."""
    collector = Collector(using=alias)
    for ref, model, fk in referencing:
        if ref.action == ACTION_DELETE and ref.rows:
            collector.collect(pointing(model, fk, alias))
    return collector


def apply_on_delete(referencing: list[ForeignKeyIn], alias: str) -> None:
    """Do to other apps' rows what deleting the app's rows through Django would do."""
    for ref, model, fk in referencing:
        if ref.action == ACTION_SET_NULL:
            pointing(model, fk, alias).update(**{fk.name: None})
        elif ref.action == ACTION_SET_DEFAULT:
            pointing(model, fk, alias).update(**{fk.name: fk.get_default()})
    collect_cascade(referencing, alias).delete()
