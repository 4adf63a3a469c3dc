-- Mergers (metrics.md, Trends): a successor's trend figures are recomputed from the pooled
-- counts of the successor and its predecessors, never averaged. For the WRES relative
-- likelihoods (wres2, wres3, wres4), each lineage row's four counts are the sums of the
-- published counts of the lineage's trusts for that year, its value is the RL of those sums,
-- (a / n1) / (c / n2), and the successor's equity_trends row carries that value.
-- Returns the rows that break any of these.
with

lineage_rows as (

    {% for metric_model in ['int_metric__wres2_rl_appointed', 'int_metric__wres3_rl_disciplinary', 'int_metric__wres4_rl_training'] %}
    select * from {{ ref(metric_model) }}
    where geography_level = 'successor_lineage'
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

member_sums as (

    select
        metrics.metric_id,
        metrics.reporting_year,
        lineages.successor_code,
        metrics.comparison,
        sum(metrics.numerator_a) as numerator_a,
        sum(metrics.denominator_a) as denominator_a,
        sum(metrics.numerator_b) as numerator_b,
        sum(metrics.denominator_b) as denominator_b
    from {{ ref('fct_equity_metrics') }} as metrics
    inner join {{ ref('int_successor_lineages') }} as lineages
        on metrics.geography_code = lineages.org_code
    where metrics.geography_level = 'trust'
        and metrics.metric_id in ('wres2_rl_appointed', 'wres3_rl_disciplinary', 'wres4_rl_training')
    group by all

),

trends as (

    select * from {{ ref('fct_equity_trends') }}
    where geography_level = 'trust'

)

select
    lineage_rows.metric_id,
    lineage_rows.reporting_year,
    lineage_rows.geography_code as successor_code,
    lineage_rows.comparison,
    lineage_rows.value,
    trends.value as trends_value
from lineage_rows
left join member_sums
    on lineage_rows.metric_id = member_sums.metric_id
    and lineage_rows.reporting_year = member_sums.reporting_year
    and lineage_rows.geography_code = member_sums.successor_code
    and lineage_rows.comparison = member_sums.comparison
left join trends
    on lineage_rows.metric_id = trends.metric_id
    and lineage_rows.reporting_year = trends.reporting_year
    and lineage_rows.geography_code = trends.geography_code
    and lineage_rows.comparison = trends.comparison
where lineage_rows.numerator_a is distinct from member_sums.numerator_a
    or lineage_rows.denominator_a is distinct from member_sums.denominator_a
    or lineage_rows.numerator_b is distinct from member_sums.numerator_b
    or lineage_rows.denominator_b is distinct from member_sums.denominator_b
    or abs(
        lineage_rows.value
        - (member_sums.numerator_a::double / member_sums.denominator_a)
        / (member_sums.numerator_b::double / member_sums.denominator_b)
    ) > 1e-12 * lineage_rows.value
    -- the successor's trend row for the year, when it is published, shows the lineage's value
    or (trends.metric_id is not null and trends.value is distinct from lineage_rows.value)
