-- PhishX: where an analyst starts.
--
-- Views and example queries over the tables `phishx migrate` creates.
-- Every statement works on Debian's ClickHouse 18.16 and on modern servers
-- (24.x): no Map, DateTime64 functions, window functions or other
-- modern-only syntax. The database is `phishx`; for another one, replace
-- "phishx." (see README.md).
--
-- Deduplication: the tables are ReplacingMergeTree. A redelivered email is
-- written again and replaces the older row only when parts merge, so read
-- with FINAL (as the views do) or with argMax(column, ingest_version)
-- grouped by event_id. A plain count() over the table may count an email
-- twice.
--
-- PII: sender, recipients, subject, client address and finding details are
-- sealed tokens ("v<key>:<Fernet token>") in the *_sealed columns; open them
-- with phishx tooling, never here.

-- Verdicts per day, tenant and action (18.16-compatible).
CREATE VIEW IF NOT EXISTS phishx.verdicts_daily AS
SELECT
    toDate(received_at) AS day,
    tenant,
    action,
    count() AS emails,
    avg(score) AS avg_score
FROM phishx.email_analysis FINAL
GROUP BY day, tenant, action;

-- Sender domains by phish rate: the share of their mail quarantined
-- (18.16-compatible). Filter on emails to ignore domains seen a few times.
CREATE VIEW IF NOT EXISTS phishx.sender_domain_phish_rate AS
SELECT
    sender_domain,
    count() AS emails,
    countIf(action = 'quarantine') AS quarantined,
    countIf(action = 'flag') AS flagged,
    quarantined / emails AS phish_rate,
    avg(score) AS avg_score,
    max(received_at) AS last_seen
FROM phishx.email_analysis FINAL
WHERE sender_domain != ''
GROUP BY sender_domain;

-- Findings of the last 7 days by code (18.16-compatible).
CREATE VIEW IF NOT EXISTS phishx.findings_recent AS
SELECT
    code,
    count() AS findings,
    uniqExact(tenant, event_id) AS emails,
    avg(severity) AS avg_severity,
    max(received_at) AS last_seen
FROM phishx.findings FINAL
WHERE received_at >= now() - INTERVAL 7 DAY
GROUP BY code;

-- Example: the last days' verdicts.
SELECT day, tenant, action, emails, round(avg_score, 3) AS avg_score
FROM phishx.verdicts_daily
ORDER BY day DESC, tenant, emails DESC
LIMIT 100;

-- Example: the 20 sender domains with the highest phish rate among those
-- that sent at least 5 emails.
SELECT sender_domain, emails, quarantined, flagged, round(phish_rate, 3) AS phish_rate, last_seen
FROM phishx.sender_domain_phish_rate
WHERE emails >= 5
ORDER BY phish_rate DESC, emails DESC
LIMIT 20;

-- Example: which findings fire most this week.
SELECT code, findings, emails, round(avg_severity, 3) AS avg_severity, last_seen
FROM phishx.findings_recent
ORDER BY findings DESC;

-- Example: the latest verdict per email without FINAL, with argMax over the
-- version column (cheaper than FINAL on big tables when filtered first).
SELECT
    event_id,
    argMax(action, ingest_version) AS action,
    argMax(score, ingest_version) AS score,
    argMax(model_version, ingest_version) AS model_version
FROM phishx.email_analysis
WHERE received_at >= now() - INTERVAL 1 DAY
GROUP BY tenant, event_id
ORDER BY score DESC
LIMIT 50;

-- Example: quarantined emails with all their finding codes.
SELECT event_id, sender_domain, score, codes
FROM
(
    SELECT event_id, sender_domain, score
    FROM phishx.email_analysis FINAL
    WHERE action = 'quarantine'
)
ANY LEFT JOIN
(
    SELECT event_id, groupArray(code) AS codes
    FROM phishx.findings FINAL
    GROUP BY event_id
) USING event_id
ORDER BY score DESC
LIMIT 50;

-- Example: score distribution in tenths, for threshold tuning.
SELECT floor(score * 10) / 10 AS bucket, count() AS emails
FROM phishx.email_analysis FINAL
GROUP BY bucket
ORDER BY bucket;

-- Example: deduplication check. rows and unique_events must be equal under
-- FINAL; without FINAL rows may be higher until parts merge.
SELECT count() AS rows, uniqExact(tenant, event_id) AS unique_events
FROM phishx.email_analysis FINAL;

-- Example: how far the pipeline has written, per partition (the ledger).
SELECT consumer_group, topic, partition, max(offset) AS written_offset, max(written_at) AS written_at
FROM phishx.pipeline_offsets
GROUP BY consumer_group, topic, partition
ORDER BY consumer_group, topic, partition;
