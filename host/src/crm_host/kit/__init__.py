"""The resource kit: the standard AIP methods of a resource, from its declaration.

A plugin declares each resource once (:class:`Resource`: its protobuf
message, its SQLAlchemy model, what each field may do, unique keys,
references, soft delete and access) and hands its servicer to
``kit.serve(...)`` in its ``register_services`` hook. The kit then serves
Get, List (AIP-160 filters, keyset pagination, opaque page tokens), Create
(with ``request_id`` idempotency), Update (``update_mask``, etags), Delete
and Undelete, with the errors, bounds and access policies they imply.
docs/resources.md is the reference.
"""

from crm_host.kit.codec import etag_of, from_timestamp, timestamp
from crm_host.kit.declaration import (
    ANYONE,
    ITSELF,
    Access,
    Field,
    OnDelete,
    Reference,
    Resource,
    Rule,
    SoftDelete,
    Unique,
    fold,
    has_role,
    owner,
)
from crm_host.kit.filtering import Filterable, FilterError, ValueType, compare
from crm_host.kit.paging import Sortable, Window
from crm_host.kit.resource import BoundResource
from crm_host.kit.runtime import Kit
from crm_host.kit.store import NAMING_CONVENTION, UTCDateTime

__all__ = [
    "ANYONE",
    "ITSELF",
    "NAMING_CONVENTION",
    "Access",
    "BoundResource",
    "Field",
    "FilterError",
    "Filterable",
    "Kit",
    "OnDelete",
    "Reference",
    "Resource",
    "Rule",
    "SoftDelete",
    "Sortable",
    "UTCDateTime",
    "Unique",
    "ValueType",
    "Window",
    "compare",
    "etag_of",
    "fold",
    "from_timestamp",
    "has_role",
    "owner",
    "timestamp",
]
