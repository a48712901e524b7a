"""The batch loop of the daily customer scheduled actions (grading, health)."""

import threading

from odoo.tools import split_every

from .sql import CONCURRENCY_ERRORS


def run_customer_batches(partners, ids, batch_size, method, *, label, logger):
    """Call ``method`` (``skip_locked=True``) on the customers ``ids`` in
    batches of ``batch_size``, each in a savepoint, reported to the Odoo 18
    cron progress API and committed when run by the cron worker (never during
    an install/upgrade nor in tests).

    A batch another transaction changed meanwhile is left to it; a failing
    batch is retried customer by customer, a bad customer logged (on
    ``logger``, as ``label``) and skipped. Returns the number of customers.
    """
    env = partners.env
    auto_commit = env.registry.ready and not getattr(threading.current_thread(), "testing", False)
    done = 0
    for batch_ids in split_every(batch_size, ids):
        batch = partners.browse(batch_ids)
        try:
            with env.cr.savepoint():
                getattr(batch, method)(skip_locked=True)
        except CONCURRENCY_ERRORS:
            # customers of our snapshot were just processed by another
            # transaction: theirs now, the next run checks them again
            logger.info(
                "crm_standard: %s batch %s..%s changed by another transaction, left to it",
                label,
                batch_ids[0],
                batch_ids[-1],
            )
        except Exception:  # noqa: BLE001 - retried one by one below
            logger.warning(
                "crm_standard: %s batch %s..%s failed, retrying customer by customer",
                label,
                batch_ids[0],
                batch_ids[-1],
            )
            for partner in batch:
                try:
                    with env.cr.savepoint():
                        getattr(partner, method)(skip_locked=True)
                except Exception:
                    logger.exception("crm_standard: %s of partner %s skipped", label, partner.id)
        done += len(batch_ids)
        env["ir.cron"]._notify_progress(done=done, remaining=len(ids) - done)
        if auto_commit:
            env.cr.commit()  # pylint: disable=invalid-commit
            env.invalidate_all()
    return done
