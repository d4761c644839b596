"""The daily rollup behind the fee dashboard: keys, writes, upkeep with the log, rebuild, reads.

``SmsDailyStat`` holds, per local day, template, ``tpl_id`` and status, the number of log rows
and the sum of their fees (NULL as 0). Every write to ``SmsLog`` moves its rows between those
buckets in the same transaction (``tracking``); ``rebuild`` recomputes days from the log.
Deleted (purged) rows leave their buckets: the rollup always equals ``GROUP BY`` over the log.
"""
