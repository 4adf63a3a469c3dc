-- equity_benchmarks is exactly the trust and region rows of equity_metrics that have a CI and
-- an equity distance, with the same key, value and CI, and England's value of the same
-- metric, breakdown, group, comparison and year. Returns every row that is in one and not
-- in the other (`side` says which).
with

equity_metrics as (

    select * from {{ ref('fct_equity_metrics') }}

),

expected as (

    select
        metrics.metric_id,
        metrics.reporting_year,
        metrics.geography_level,
        metrics.geography_code,
        metrics.breakdown,
        metrics."group",
        metrics.comparison,
        metrics.value,
        metrics.ci_lower,
        metrics.ci_upper,
        england.value as england_value
    from equity_metrics as metrics
    left join equity_metrics as england
        on england.geography_level = 'national'
        and metrics.metric_id = england.metric_id
        and metrics.reporting_year = england.reporting_year
        and metrics.breakdown = england.breakdown
        and metrics."group" is not distinct from england."group"
        and metrics.comparison is not distinct from england.comparison
    where metrics.geography_level in ('trust', 'region')
        and metrics.ci_lower is not null
        and {{ equity_distance('metrics.metric_id', 'metrics.value') }} is not null

),

published as (

    select
        metric_id,
        reporting_year,
        geography_level,
        geography_code,
        breakdown,
        "group",
        comparison,
        value,
        ci_lower,
        ci_upper,
        england_value
    from {{ ref('fct_equity_benchmarks') }}

),

missing as (

    select 'in equity_metrics, not in equity_benchmarks' as side, * from (
        select * from expected
        except
        select * from published
    )

),

extra as (

    select 'in equity_benchmarks, not in equity_metrics' as side, * from (
        select * from published
        except
        select * from expected
    )

)

select * from missing
union all
select * from extra
