-- The figures of every successor lineage (metrics.md, Trends): the rows each metric family
-- gives at the level `successor_lineage`, i.e. computed by the family's own model from the
-- counts of the successor and of the trusts successors.csv carries into it, summed year by
-- year (int_successor_lineages; the WRES and staff survey trust geographies): pooled counts,
-- never averages of trust values. equity_metrics does not publish them; equity_trends shows
-- them on the successor in place of its own history (int_trends__series).
-- wres3_rl_disciplinary_2yr has none: closed trusts are not carried into successors there
-- (metrics.md, WRES). Concerns figures have no trust level, so none either.
with

lineage_metrics as (

    select
        metric_id,
        reporting_year,
        geography_code as successor_code,
        breakdown,
        "group",
        comparison,
        value,
        ci_lower,
        ci_upper,
        suppressed,
        note
    from {{ ref('int_equity_metrics__all_levels') }}
    where geography_level = 'successor_lineage'

)

select * from lineage_metrics
