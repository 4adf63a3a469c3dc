-- Warns when a loaded survey file has respondents whose org_code is not a trust the pipeline
-- monitors (not in etr.csv, outside England, or unattributable). They are left out of every
-- level of wres5-8 (no trust, no region, and England is the pool of the trusts); this makes
-- the exclusion visible in the run instead of silent. Its count is of respondents, not rows.
{{ config(severity='warn', fail_calc='coalesce(sum(respondents), 0)') }}

select * from {{ ref('int_staff_survey__unattributed_respondents') }}
