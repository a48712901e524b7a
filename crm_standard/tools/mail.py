"""Chatter logging of the set-based batch paths (thousands of records at once)."""

from markupsafe import escape

from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from .sql import unnest_sql


def log_tracking(records, fname, changes, bodies=None):
    """Log one internal note per record of ``records`` tracking ``fname``.

    The equivalent of ``tracking=True`` plus ``_message_log_batch`` (same
    author, note subtype, message id and one tracking value each, as an ORM
    write would log) written with one ``INSERT ... SELECT`` for the whole
    batch: creating thousands of ``mail.message`` through the ORM costs more
    than the change itself. No notification is sent (a log note).

    :param records: the records of a ``mail.thread`` model
    :param str fname: the tracked field
    :param dict changes: ``{record id: (old value, new value)}`` as displayed
        (e.g. selection labels)
    :param dict bodies: optional ``{record id: plain text}`` of the notes
    """
    ids = [rid for rid in records.ids if rid in changes]
    if not ids or records.env.context.get("tracking_disable"):
        return
    env = records.env
    bodies = bodies or {}
    author_id, email_from = records._message_compute_author(raise_on_email=False)
    now = env.cr.now()
    env.cr.execute(
        SQL(
            """
        WITH v(id, old_value, new_value, body) AS (SELECT * FROM %(rows)s),
        msg AS (
            INSERT INTO mail_message (
                model, res_id, message_type, subtype_id, author_id, email_from,
                reply_to, message_id, body, is_internal, email_add_signature,
                date, create_uid, write_uid, create_date, write_date)
            SELECT %(model)s, v.id, 'notification', %(subtype)s, %(author)s,
                   %(email_from)s, %(reply_to)s, %(message_id)s, v.body, TRUE, FALSE,
                   %(now)s, %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM v
         RETURNING id, res_id)
        INSERT INTO mail_tracking_value (
            field_id, old_value_char, new_value_char, mail_message_id,
            create_uid, write_uid, create_date, write_date)
        SELECT %(field)s, v.old_value, v.new_value, msg.id, %(uid)s, %(uid)s, %(now)s, %(now)s
          FROM msg
          JOIN v ON v.id = msg.res_id
        """,
            rows=unnest_sql(
                [
                    ("int", ids),
                    ("varchar", [changes[rid][0] or "" for rid in ids]),
                    ("varchar", [changes[rid][1] or "" for rid in ids]),
                    ("text", [str(escape(bodies.get(rid) or "")) for rid in ids]),
                ]
            ),
            model=records._name,
            subtype=env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            author=author_id,
            email_from=email_from,
            reply_to=env["mail.thread"]._notify_get_reply_to(default=email_from)[False],
            message_id=generate_tracking_message_id("message-notify"),
            now=now,
            uid=env.uid,
            field=env["ir.model.fields"]._get(records._name, fname).id,
        )
    )
    records.browse(ids).invalidate_recordset(["message_ids"])


def selection_labels(records, fname):
    """``{value: label}`` of the selection field ``fname`` in the user's language."""
    field = records._fields[fname]
    return dict(field._description_selection(records.env))
