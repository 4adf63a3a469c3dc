-- Two-year (Y-1 and Y) WRES counts for wres3_rl_disciplinary_2yr, at trust, region and
-- England level: entries into the formal disciplinary process and workforce headcounts
-- summed over the two years (metrics.md, WRES). A trust counts only when it has valid
-- returns for both years; a region or England pools only its trusts with both. Trusts are
-- matched on their own code, so a closed trust's returns are never carried into its
-- successor (nor pooled in a successor's lineage: that level is left out here). Geographies
-- and expected trusts are those of year Y. Every row whose figure
-- cannot be computed (no WRES returns landed for Y-1, or no trust with both years) has
-- null counts and a note saying why.
with

reporting_years as (

    select reporting_year, has_wres from {{ ref('int_reporting_years') }}

),

trust_geographies as (

    select * from {{ ref('int_wres__trust_geographies') }}
    where geography_level <> 'successor_lineage'

),

trust_group_counts as (

    select * from {{ ref('int_wres__trust_group_counts') }}

),

groups as (

    select distinct group_name from {{ ref('int_ethnic_group_members') }}

),

-- each trust's place in year Y, and whether it also had a valid return in Y-1
trust_pairs as (

    select
        current_year.org_code,
        current_year.reporting_year,
        current_year.geography_level,
        current_year.geography_code,
        current_year.is_expected,
        current_year.has_valid_return,
        coalesce(previous_year.has_valid_return, false) as has_previous_return,
        coalesce(previous_wres.has_wres, false) as previous_year_has_wres
    from trust_geographies as current_year
    left join trust_geographies as previous_year
        on current_year.org_code = previous_year.org_code
        and current_year.reporting_year - 1 = previous_year.reporting_year
        and previous_year.geography_level = 'trust'
    left join reporting_years as previous_wres
        on current_year.reporting_year - 1 = previous_wres.reporting_year

),

geography_trusts as (

    select
        geography_level,
        geography_code,
        reporting_year,
        count(*) filter (where has_valid_return and has_previous_return) as trusts_contributing,
        count(*) filter (where is_expected) as trusts_expected,
        -- on a trust row these describe the trust itself
        bool_or(has_valid_return) as has_current_return,
        bool_or(has_previous_return) as has_previous_return,
        bool_or(previous_year_has_wres) as previous_year_has_wres
    from trust_pairs
    group by all

),

-- only trusts with both returns are summed, over both years
pooled_sums as (

    select
        trust_pairs.geography_level,
        trust_pairs.geography_code,
        trust_pairs.reporting_year,
        trust_group_counts.group_name,
        sum(trust_group_counts.headcount) as headcount,
        sum(trust_group_counts.entered_formal_disciplinary) as entered_formal_disciplinary
    from trust_pairs
    inner join trust_group_counts
        on trust_pairs.org_code = trust_group_counts.org_code
        and trust_group_counts.reporting_year
            between trust_pairs.reporting_year - 1 and trust_pairs.reporting_year
    where trust_pairs.has_valid_return and trust_pairs.has_previous_return
    group by all

),

pooled_counts_2yr as (

    select
        geography_trusts.geography_level,
        geography_trusts.geography_code,
        geography_trusts.reporting_year,
        groups.group_name,
        -- null when no trust had both returns (the note says why)
        case when geography_trusts.trusts_contributing > 0
            then coalesce(pooled_sums.headcount, 0) end::bigint as headcount,
        case when geography_trusts.trusts_contributing > 0
            then coalesce(pooled_sums.entered_formal_disciplinary, 0) end::bigint
            as entered_formal_disciplinary,
        {{ area_trust_counts('geography_trusts') }},
        case
            when not geography_trusts.previous_year_has_wres
                then 'No WRES returns were landed for '
                    || (geography_trusts.reporting_year - 1)::varchar
                    || ', so the two-year figure (' || (geography_trusts.reporting_year - 1)::varchar
                    || ' and ' || geography_trusts.reporting_year::varchar
                    || ') cannot be computed.'
            when geography_trusts.trusts_contributing = 0
                then case geography_trusts.geography_level
                    when 'trust'
                        then 'No valid WRES return for this trust for '
                            || case
                                when not geography_trusts.has_current_return
                                    and not geography_trusts.has_previous_return
                                    then (geography_trusts.reporting_year - 1)::varchar
                                        || ' or ' || geography_trusts.reporting_year::varchar
                                when not geography_trusts.has_current_return
                                    then geography_trusts.reporting_year::varchar
                                else (geography_trusts.reporting_year - 1)::varchar
                            end
                            || ' (missing or quarantined); the two-year figure needs valid returns for both '
                            || (geography_trusts.reporting_year - 1)::varchar
                            || ' and ' || geography_trusts.reporting_year::varchar || '.'
                    when 'region'
                        then 'No trust in this region had valid WRES returns for both '
                            || (geography_trusts.reporting_year - 1)::varchar
                            || ' and ' || geography_trusts.reporting_year::varchar || '.'
                    else 'No trust in England had valid WRES returns for both '
                        || (geography_trusts.reporting_year - 1)::varchar
                        || ' and ' || geography_trusts.reporting_year::varchar || '.'
                end
        end as counts_note
    from geography_trusts
    cross join groups
    left join pooled_sums
        on geography_trusts.geography_level = pooled_sums.geography_level
        and geography_trusts.geography_code = pooled_sums.geography_code
        and geography_trusts.reporting_year = pooled_sums.reporting_year
        and groups.group_name = pooled_sums.group_name

)

select * from pooled_counts_2yr
