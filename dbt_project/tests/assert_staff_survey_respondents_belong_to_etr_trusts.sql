-- Warns when a loaded survey file has respondents whose org_code is not a trust in etr.csv.
-- They are left out of every level of wres5-8 (no trust, no region, and England is the pool
-- of the trusts); this makes the exclusion visible in the run instead of silent.
{{ config(severity='warn') }}

select * from {{ ref('int_staff_survey__unattributed_respondents') }}
