-- concerns_pct_assessed_expected (metrics.md, Concerns): among cases with an assessment
-- outcome of Expected level or Below expected level (Pending left out), the percentage at
-- Expected level, for regions and England, breakdown `all`, by place of qualification
-- (UK, IMG, EEA, Outside EEA). value = 100 x assessed_expected / assessments, Wilson 95% CI.
-- Descriptive: no band. Below national level both counts are the published (rounded) ones;
-- the percentage is suppressed when either is.
with

published_counts as (

    select * from {{ ref('int_concerns__published_counts') }}
    where breakdown = 'all'
        and classification = 'qualification'
        and group_name <> 'Unknown'

),

disclosed as (

    select
        *,
        assessed_expected_suppressed or assessments_suppressed as is_suppressed
    from published_counts

),

measured as (

    select
        *,
        case when not is_suppressed and assessments > 0
            then 100.0 * assessed_expected::double / assessments
        end as percentage,
        case when not is_suppressed
            then {{ wilson_interval('assessed_expected', 'assessments', 'lower') }}
        end as percentage_lower,
        case when not is_suppressed
            then {{ wilson_interval('assessed_expected', 'assessments', 'upper') }}
        end as percentage_upper
    from disclosed

),

metric_rows as (

    select
        'concerns_pct_assessed_expected'::varchar as metric_id,
        reporting_year::integer as reporting_year,
        geography_level::varchar as geography_level,
        geography_code::varchar as geography_code,
        breakdown::varchar as breakdown,
        group_name::varchar as "group",
        null::varchar as comparison,
        percentage::double as value,
        percentage_lower::double as ci_lower,
        percentage_upper::double as ci_upper,
        case when not is_suppressed then assessed_expected end::bigint as numerator_a,
        case when not is_suppressed then assessments end::bigint as denominator_a,
        null::bigint as numerator_b,
        null::bigint as denominator_b,
        null::varchar as equity_band,
        null::boolean as significant,
        is_suppressed::boolean as suppressed,
        coalesce(
            cases_note,
            case when is_suppressed then {{ concerns_disclosure_note() }} end,
            case when assessments = 0
                then 'Undefined: no ' || group_name
                    || ' cases with an assessment outcome of Expected level or Below expected level.'
            end
        )::varchar as note,
        -- concerns is one national extract, not trust returns: no trusts to count
        null::bigint as trusts_contributing,
        null::bigint as trusts_expected,
        '{{ var("method_version") }}'::varchar as method_version
    from measured

)

select {{ equity_metrics_columns() }} from metric_rows
