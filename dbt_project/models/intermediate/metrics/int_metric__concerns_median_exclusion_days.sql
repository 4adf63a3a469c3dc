-- concerns_median_exclusion_days (metrics.md, Concerns): the median length in days
-- (exclusion_end_date - exclusion_start_date) of the exclusions whose end date falls in
-- reporting year Y, whatever year their case was opened in, for regions and England,
-- breakdown `all`, per group: BME, White, the broad groups, UK, IMG, EEA, Outside EEA.
-- No CI. numerator_a = the number of exclusions in the median, as published (rounded below
-- national level). Suppressed, at every level, when fewer than var('median_minimum_count')
-- exclusions ended (the median rule); below national level also when that count is
-- suppressed by disclosure control. The median itself is of the exact lengths: lengths are
-- not counts, so there is nothing to round.
with

published_counts as (

    select * from {{ ref('int_concerns__published_counts') }}
    where breakdown = 'all'
        and classification in ('ethnicity', 'qualification')
        and group_name <> 'Unknown'

),

exclusions_ended as (

    select * from {{ ref('int_concerns__group_facts') }}
    where fact_kind = 'exclusion_ended' and breakdown = 'all'

),

medians as (

    select
        reporting_year,
        geography_level,
        geography_code,
        breakdown,
        classification,
        group_name,
        count(*) as exclusions_in_median,
        median(exclusion_days) as median_days
    from exclusions_ended
    group by all

),

disclosed as (

    select
        published_counts.*,
        coalesce(medians.exclusions_in_median, 0) as exclusions_in_median,
        medians.median_days,
        published_counts.exclusions_ended_suppressed as is_count_suppressed,
        -- the median rule, on the exact number; not applied to a year without a valid
        -- extract, whose figures are simply not available
        published_counts.cases_note is null
            and coalesce(medians.exclusions_in_median, 0) > 0
            and coalesce(medians.exclusions_in_median, 0) < {{ var('median_minimum_count') }}
            as is_below_minimum
    from published_counts
    left join medians
        on published_counts.reporting_year = medians.reporting_year
        and published_counts.geography_level = medians.geography_level
        and published_counts.geography_code = medians.geography_code
        and published_counts.breakdown = medians.breakdown
        and published_counts.classification = medians.classification
        and published_counts.group_name = medians.group_name

),

metric_rows as (

    select
        'concerns_median_exclusion_days'::varchar as metric_id,
        reporting_year::integer as reporting_year,
        geography_level::varchar as geography_level,
        geography_code::varchar as geography_code,
        breakdown::varchar as breakdown,
        group_name::varchar as "group",
        null::varchar as comparison,
        case when cases_note is null and not is_count_suppressed and not is_below_minimum
            then median_days
        end::double as value,
        null::double as ci_lower,
        null::double as ci_upper,
        case when not is_count_suppressed and not is_below_minimum
            then exclusions_ended
        end::bigint as numerator_a,
        null::bigint as denominator_a,
        null::bigint as numerator_b,
        null::bigint as denominator_b,
        null::varchar as equity_band,
        null::boolean as significant,
        (is_count_suppressed or is_below_minimum)::boolean as suppressed,
        coalesce(
            cases_note,
            case when is_count_suppressed then {{ concerns_disclosure_note() }} end,
            case when is_below_minimum
                then 'Suppressed: fewer than {{ var("median_minimum_count") }} exclusions ended in the year, the minimum for a median.'
            end,
            case when exclusions_ended = 0
                then 'Undefined: no ' || group_name || ' exclusions ended in the year.'
            end
        )::varchar as note,
        -- concerns is one national extract, not trust returns: no trusts to count
        null::bigint as trusts_contributing,
        null::bigint as trusts_expected,
        '{{ var("method_version") }}'::varchar as method_version
    from disclosed

)

select {{ equity_metrics_columns() }} from metric_rows
