-- WRES counts at every published level: each trust, each region and England, per year and
-- ethnic group. A geography's counts are the sums over its trusts with a valid return
-- (int_wres__trust_geographies); metrics are computed from these sums, never by averaging
-- trust values. A geography with no valid return still has rows, with null counts and a
-- note, so that its figures are published as null instead of being left out.
with

trust_geographies as (

    select * from {{ ref('int_wres__trust_geographies') }}

),

trust_group_counts as (

    select * from {{ ref('int_wres__trust_group_counts') }}

),

groups as (

    select distinct group_name from {{ ref('int_ethnic_group_members') }}

),

geography_trusts as (

    {{ geography_trust_counts('trust_geographies', 'has_valid_return') }}

),

pooled_sums as (

    {{ pooled_trust_sums(
        'trust_geographies', 'trust_group_counts',
        keys=['group_name'],
        measures=[
            'headcount', 'shortlisted', 'appointed', 'entered_formal_disciplinary',
            'accessed_non_mandatory_training', 'board_members', 'board_voting_members',
            'board_executive_members',
        ],
    ) }}

),

pooled_counts as (

    select
        geography_trusts.geography_level,
        geography_trusts.geography_code,
        geography_trusts.reporting_year,
        groups.group_name,
        pooled_sums.headcount::bigint as headcount,
        pooled_sums.shortlisted::bigint as shortlisted,
        pooled_sums.appointed::bigint as appointed,
        pooled_sums.entered_formal_disciplinary::bigint as entered_formal_disciplinary,
        pooled_sums.accessed_non_mandatory_training::bigint as accessed_non_mandatory_training,
        pooled_sums.board_members::bigint as board_members,
        pooled_sums.board_voting_members::bigint as board_voting_members,
        pooled_sums.board_executive_members::bigint as board_executive_members,
        {{ area_trust_counts('geography_trusts') }},
        case when geography_trusts.trusts_contributing = 0
            then case geography_trusts.geography_level
                when 'trust'
                    then 'No valid WRES return for this trust and year (missing or quarantined).'
                when 'region'
                    then 'No trust in this region had a valid WRES return for this year.'
                when 'successor_lineage'
                    then 'No trust of this successor''s lineage had a valid WRES return for this year.'
                else 'No trust in England had a valid WRES return for this year.'
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

select * from pooled_counts
