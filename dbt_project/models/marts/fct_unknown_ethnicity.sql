-- The published table unknown_ethnicity: the share of each trust's, region's and England's
-- staff, and of its shortlisted applicants, whose ethnicity is Unknown. Every comparison
-- leaves Unknown out, so where the share is high a figure rests on fewer people than the
-- trust has; the data-quality report lists trusts above a configurable level. Counts are
-- pooled like every WRES figure (int_wres__pooled_counts).
with

pooled_counts as (

    select * from {{ ref('int_wres__pooled_counts') }}
    where geography_level in ('trust', 'region', 'national')

),

-- White, BME and Unknown are the ethnic groups that add up to everyone
ethnic_groups as (

    select distinct group_name
    from {{ ref('int_ethnic_group_members') }}
    where group_type = 'ethnic_group'

),

counts as (

    select
        pooled_counts.reporting_year,
        pooled_counts.geography_level,
        pooled_counts.geography_code,
        sum(pooled_counts.headcount) as headcount,
        sum(pooled_counts.headcount) filter (where pooled_counts.group_name = 'Unknown')
            as headcount_unknown,
        sum(pooled_counts.shortlisted) as shortlisted,
        sum(pooled_counts.shortlisted) filter (where pooled_counts.group_name = 'Unknown')
            as shortlisted_unknown,
        max(pooled_counts.counts_note) as counts_note
    from pooled_counts
    inner join ethnic_groups
        on pooled_counts.group_name = ethnic_groups.group_name
    group by all

),

final as (

    select
        reporting_year::integer as reporting_year,
        geography_level::varchar as geography_level,
        geography_code::varchar as geography_code,
        headcount::bigint as headcount,
        headcount_unknown::bigint as headcount_unknown,
        case when headcount > 0
            then 100.0 * headcount_unknown::double / headcount
        end::double as headcount_unknown_pct,
        shortlisted::bigint as shortlisted,
        shortlisted_unknown::bigint as shortlisted_unknown,
        case when shortlisted > 0
            then 100.0 * shortlisted_unknown::double / shortlisted
        end::double as shortlisted_unknown_pct,
        coalesce(
            counts_note,
            case
                when headcount = 0 and shortlisted = 0
                    then 'No staff and no shortlisted applicants, so neither share is defined.'
                when headcount = 0 then 'No staff, so the share of headcount is undefined.'
                when shortlisted = 0
                    then 'No shortlisted applicants, so the share of applicants is undefined.'
            end
        )::varchar as note
    from counts

)

select * from final
