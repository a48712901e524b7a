"""Fields only the system writes: one check shared by the models of the addon.

A model lists its protected fields in ``_crm_protected_fields()`` (an
extension point returning ``{field name: group xml id or None}``; ``None``:
the system only; :data:`AFTER_CREATE`: anyone creating the record, then the
system only) and calls :func:`check_protected_fields` first thing in its
``create`` and ``write``. A user's write of such a field is refused with an
``AccessError`` naming the fields, whatever the context: the system writes
them as superuser (``sudo()`` in the addon's own code, install, scheduled
actions) or from a cron worker.
"""

import threading

from odoo.exceptions import AccessError

# ``_crm_protected_fields`` value: a user gives the field when creating the
# record (e.g. a customer made from the Customers menu), never changes it after
AFTER_CREATE = "after_create"


def is_system_env(env):
    """Whether ``env`` is the system: superuser (``sudo()`` in server code,
    install, scheduled actions run as OdooBot) or a thread of Odoo's cron
    workers. Set by the server, never by a client: a client sets the context
    of its RPC calls, so a context key alone is never such a proof."""
    if env.su:
        return True
    thread = threading.current_thread()
    return getattr(thread, "type", None) == "cron" or thread.name.startswith("Worker WorkerCron")


def system_flag(env, key):
    """The context key ``key``, honoured for the system only (see
    :func:`is_system_env`): a bypass key sent by a client is ignored."""
    return bool(env.context.get(key)) and is_system_env(env)


def _cache_value(field, value, record):
    return field.convert_to_cache(value, record, validate=False)


def _unchanged(field, value, records):
    """Whether writing ``value`` leaves ``field`` as it is on every record."""
    records = records.sudo()
    new = _cache_value(field, value, records[:1])
    return all(new == _cache_value(field, record[field.name], record) for record in records)


def _default_or_empty(field, value, model):
    """Whether ``value`` of a new record is empty or the field's own default
    (a form sends the defaults of a new record; context defaults do not count)."""
    if not value:
        return True
    default = field.default(model) if field.default else False
    return _cache_value(field, value, model) == _cache_value(field, default, model)


def computed_fields(model):
    """The stored, read-only computed fields of ``model`` (related ones
    included): values the ORM computes, which a write would store as given
    (e.g. ``res.partner.commercial_partner_id``), system-set as well."""
    return {
        name: None
        for name, field in model._fields.items()
        if field.store and field.compute and field.readonly and not field.inverse
    }


def protected_fields_written(records, vals_list, create=False):
    """``{field name: group or None}`` of the protected fields that the
    ``vals_list`` of a ``create`` (``create=True``) or ``write`` on
    ``records`` would change, for the current user (empty for the system and
    for the members of a field's group)."""
    env = records.env
    if is_system_env(env):
        return {}
    protected = {**computed_fields(records), **records._crm_protected_fields()}
    if create:
        # context defaults are applied by create() itself: a client sets them
        defaults = {
            key[8:]: value
            for key, value in env.context.items()
            if key.startswith("default_") and key[8:] in protected
        }
        vals_list = [{**defaults, **vals} for vals in vals_list]
    written = {}
    for vals in vals_list:
        for fname in protected.keys() & vals.keys():
            group = protected[fname]
            if group == AFTER_CREATE:
                if create:
                    continue
                group = None
            if fname in written or (group and env.user.has_group(group)):
                continue
            field = records._fields[fname]
            if create:
                if _default_or_empty(field, vals[fname], records.browse()):
                    continue
            elif not records or _unchanged(field, vals[fname], records):
                continue
            written[fname] = group
    return written


def check_protected_fields(records, vals_list, create=False):
    """Refuse the current user's ``create``/``write`` (``vals_list``) of the
    protected fields of ``records`` with an ``AccessError`` naming them."""
    written = protected_fields_written(records, vals_list, create=create)
    if not written:
        return
    env = records.env

    def labels(names):
        return ", ".join(sorted(records._fields[fname]._description_string(env) for fname in names))

    system = [fname for fname, group in written.items() if not group]
    if system:
        raise AccessError(
            env._(
                "%(fields)s: set by the system on %(model)s (computations, approvals, "
                "scheduled actions and the form's buttons), never written by hand.",
                fields=labels(system),
                model=env["ir.model"].sudo()._get(records._name).name,
            )
        )
    groups = env["res.groups"].browse(env.ref(group).id for group in set(written.values())).sudo()
    raise AccessError(
        env._(
            "%(fields)s: only %(groups)s may set this on %(model)s.",
            fields=labels(written),
            groups=", ".join(groups.mapped("full_name")),
            model=env["ir.model"].sudo()._get(records._name).name,
        )
    )
