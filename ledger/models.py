"""The global Merkle log over every event: leaves, stored subtrees, and signed checkpoints.

Every event is a leaf, numbered without gaps in global order in the transaction that appends
it (`ledger.log`). The tree's interior nodes are built from the leaves afterwards, in order,
by whoever needs them first (`ledger.tree`): a checkpoint or a proof.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LeafCounter(models.Model):
    """One row: how many leaves have been numbered. Its row lock is the log's sequencer."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(_("leaves"), default=0)

    class Meta:
        verbose_name = _("leaf counter")

    def __str__(self) -> str:
        return f"{self.size} leaves"


class Leaf(models.Model):
    """Leaf `index` of the log is the event at `position`, whose hash was `event_hash`."""

    index = models.BigIntegerField(_("leaf index"), primary_key=True)
    position = models.BigIntegerField(_("event position"), unique=True)
    event_hash = models.CharField(_("event hash"), max_length=64)

    class Meta:
        verbose_name = _("leaf")
        verbose_name_plural = _("leaves")
        ordering = ["index"]
        # An inclusion proof may be asked for by the hash a receipt holds: found by equality
        # only, so one index, without the pattern-matching copy `db_index` adds on PostgreSQL
        # (every append wrote both).
        indexes = [models.Index(fields=["event_hash"], name="leaf_event_hash_idx")]

    def __str__(self) -> str:
        return f"leaf {self.index} = event #{self.position}"


class Node(models.Model):
    """The hash of the complete subtree of 2**level leaves starting at leaf index << level."""

    pk = models.CompositePrimaryKey("level", "index")
    level = models.PositiveSmallIntegerField(_("level"))
    index = models.BigIntegerField(_("index"))
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("tree node")
        verbose_name_plural = _("tree nodes")

    def __str__(self) -> str:
        return f"node {self.level}/{self.index}"


class TreeState(models.Model):
    """One row: how many leaves the stored nodes cover, and the frontier of full subtrees at
    that size (hex hashes, highest first). Its row lock serialises the builders."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(_("tree size"), default=0)
    frontier = models.JSONField(_("frontier"), default=list)

    class Meta:
        verbose_name = _("tree state")

    def __str__(self) -> str:
        return f"tree of {self.size} leaves"


class Checkpoint(models.Model):
    """A signed tree head: a C2SP checkpoint note over (origin, size, root)."""

    tree_size = models.BigIntegerField(_("tree size"), primary_key=True)
    root_hash = models.CharField(_("root hash"), max_length=64)
    note = models.TextField(_("signed note"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["-tree_size"]

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size} {self.root_hash[:12]}"
