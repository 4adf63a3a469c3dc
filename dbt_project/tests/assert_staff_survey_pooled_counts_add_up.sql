-- Pooling check for wres5-8: each region's and England's respondent counts are exactly the
-- sums of the counts of their trusts, for every year, indicator and group, so that no
-- regional or national figure is an average or leaves a trust out; so are each successor
-- lineage's (equity_trends), the sums of its trusts'. Returns the mismatches.
with

counts as (

    select * from {{ ref('int_staff_survey__pooled_counts') }}

),

trust_regions as (

    select distinct org_code, reporting_year, geography_code as region_code
    from {{ ref('int_staff_survey__trust_geographies') }}
    where geography_level = 'region'

),

trust_lineages as (

    select org_code, successor_code from {{ ref('int_successor_lineages') }}

),

trust_sums as (

    select
        'region' as geography_level,
        trust_regions.region_code as geography_code,
        counts.reporting_year,
        counts.metric_id,
        counts.group_name,
        sum(counts.respondents_answering) as respondents_answering,
        sum(counts.respondents_counted) as respondents_counted
    from counts
    inner join trust_regions
        on counts.geography_code = trust_regions.org_code
        and counts.reporting_year = trust_regions.reporting_year
    where counts.geography_level = 'trust'
    group by all

    union all
    select
        'national',
        '{{ var("national_geography_code") }}',
        reporting_year,
        metric_id,
        group_name,
        sum(respondents_answering),
        sum(respondents_counted)
    from counts
    where geography_level = 'trust'
    group by all

    union all
    select
        'successor_lineage',
        trust_lineages.successor_code,
        counts.reporting_year,
        counts.metric_id,
        counts.group_name,
        sum(counts.respondents_answering),
        sum(counts.respondents_counted)
    from counts
    inner join trust_lineages
        on counts.geography_code = trust_lineages.org_code
    where counts.geography_level = 'trust'
    group by all

)

select
    counts.geography_level,
    counts.geography_code,
    counts.reporting_year,
    counts.metric_id,
    counts.group_name,
    counts.respondents_answering,
    trust_sums.respondents_answering as trust_sum_answering,
    counts.respondents_counted,
    trust_sums.respondents_counted as trust_sum_counted
from counts
left join trust_sums
    on counts.geography_level = trust_sums.geography_level
    and counts.geography_code = trust_sums.geography_code
    and counts.reporting_year = trust_sums.reporting_year
    and counts.metric_id = trust_sums.metric_id
    and counts.group_name = trust_sums.group_name
where counts.geography_level <> 'trust'
    and (
        counts.respondents_answering is distinct from trust_sums.respondents_answering
        or counts.respondents_counted is distinct from trust_sums.respondents_counted
    )
