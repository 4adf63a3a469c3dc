-- Primary disclosure control of the concerns counts (metrics.md, "Disclosure control"),
-- one row per count: each count of int_concerns__counts becomes a cell with its exact value,
-- whether it is suppressed, the rule that suppressed it and the value as published.
--   Below national level, a count of cases, exclusions or assessments (of any kind) from
--   var('concerns_suppression_min') to var('concerns_suppression_max') is suppressed, and
--   any other is rounded to the nearest var('concerns_rounding_base').
--   National counts are exact. Practitioner counts are shown as supplied, at every level.
-- This long shape is what secondary suppression works on (it adds suppressed cells within
-- totals, e.g. BME = Asian + Black + Mixed + Other) and what the suppression log lists.
-- Not published: exact_count holds the hidden values.
{%- set controlled_measures = ['cases', 'exclusions', 'assessments', 'assessed_expected', 'exclusions_ended'] %}
with

counts as (

    select * from {{ ref('int_concerns__counts') }}

),

cells as (

    {% for measure in controlled_measures %}
    select
        reporting_year,
        geography_level,
        geography_code,
        breakdown,
        classification,
        group_name,
        '{{ measure }}' as measure,
        true as is_controlled,
        {{ measure }} as exact_count,
        cases_note as count_note
    from counts

    union all
    {% endfor %}

    select
        reporting_year,
        geography_level,
        geography_code,
        breakdown,
        classification,
        group_name,
        'practitioners' as measure,
        false as is_controlled,
        practitioners as exact_count,
        population_note as count_note
    from counts

),

flagged as (

    select
        *,
        coalesce(
            is_controlled
            and geography_level <> 'national'
            and {{ concerns_count_is_suppressed('exact_count') }},
            false
        ) as is_suppressed
    from cells

),

primary_suppression as (

    select
        ---------- the cell
        reporting_year::integer as reporting_year,
        geography_level::varchar as geography_level,
        geography_code::varchar as geography_code,
        breakdown::varchar as breakdown,
        classification::varchar as classification,
        group_name::varchar as group_name,
        measure::varchar as measure,
        is_controlled::boolean as is_controlled,

        ---------- the count, exact and as published
        exact_count::bigint as exact_count,
        case
            when is_suppressed then null
            when not is_controlled or geography_level = 'national' then exact_count
            else {{ concerns_rounded_count('exact_count') }}
        end::bigint as published_count,

        ---------- disclosure control
        is_suppressed::boolean as is_suppressed,
        case when is_suppressed
            then 'primary: a count from {{ var("concerns_suppression_min") }} to {{ var("concerns_suppression_max") }} below national level'
        end::varchar as suppression_rule,
        count_note::varchar as count_note
    from flagged

)

select * from primary_suppression
