-- concerns_rate_per_1000 (metrics.md, Concerns): new cases per 1,000 practitioners, for
-- regions and England, breakdown `all` and each `profession=...`, per group: the ethnic
-- groups (White, BME, Unknown, Asian, Black, Mixed, Other) and the places of qualification
-- UK, IMG, EEA, Outside EEA. (The place `Unknown` is not published: the contract has one
-- `Unknown` group label per breakdown, and it is the ethnic one.)
-- value = 1000 x cases / practitioners; 95% CI = exact Poisson (Garwood) limits on the case
-- count (int_concerns__poisson_limits) x 1000 / practitioners. Descriptive: no band.
-- Below national level the case count is the published (rounded) one, and a rate whose
-- count is suppressed is suppressed too.
with

published_counts as (

    select * from {{ ref('int_concerns__published_counts') }}
    where classification = 'ethnicity'
        or (classification = 'qualification' and group_name <> 'Unknown')

),

poisson_limits as (

    select * from {{ ref('int_concerns__poisson_limits') }}

),

rates as (

    select
        published_counts.*,
        case when published_counts.practitioners > 0
            then 1000.0 * published_counts.cases::double / published_counts.practitioners
        end as rate,
        case when published_counts.practitioners > 0
            then 1000.0 * poisson_limits.lower_limit::double / published_counts.practitioners
        end as rate_lower,
        case when published_counts.practitioners > 0
            then 1000.0 * poisson_limits.upper_limit::double / published_counts.practitioners
        end as rate_upper
    from published_counts
    left join poisson_limits
        on published_counts.cases = poisson_limits.observed_count

),

metric_rows as (

    select
        'concerns_rate_per_1000'::varchar as metric_id,
        reporting_year::integer as reporting_year,
        geography_level::varchar as geography_level,
        geography_code::varchar as geography_code,
        breakdown::varchar as breakdown,
        group_name::varchar as "group",
        null::varchar as comparison,
        case when not cases_suppressed then rate end::double as value,
        case when not cases_suppressed then rate_lower end::double as ci_lower,
        case when not cases_suppressed then rate_upper end::double as ci_upper,
        case when not cases_suppressed then cases end::bigint as numerator_a,
        case when not cases_suppressed then practitioners end::bigint as denominator_a,
        null::bigint as numerator_b,
        null::bigint as denominator_b,
        null::varchar as equity_band,
        null::boolean as significant,
        cases_suppressed::boolean as suppressed,
        coalesce(
            cases_note,
            case when cases_suppressed then {{ concerns_disclosure_note() }} end,
            population_note,
            case when practitioners = 0
                then 'Undefined: the population file has no practitioners in group ' || group_name
                    || ', so the rate is undefined.'
            end
        )::varchar as note,
        -- concerns is one national extract, not trust returns: no trusts to count
        null::bigint as trusts_contributing,
        null::bigint as trusts_expected,
        '{{ var("method_version") }}'::varchar as method_version
    from rates

)

select {{ equity_metrics_columns() }} from metric_rows
