-- Every metric family stacked once, at every level it gives: trust, region, national and
-- successor_lineage. fct_equity_metrics publishes the first three; equity_trends uses the
-- lineage rows. Stacking here, in a table, means the family views are computed once per
-- run instead of once per reader. To add a family, list it in the macro equity_metric_models.
{%- set metric_models = equity_metric_models() %}

with

all_levels as (

    {% for metric_model in metric_models %}
    select {{ equity_metrics_columns() }} from {{ ref(metric_model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from all_levels
