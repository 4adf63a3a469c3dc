-- Every WRES count a metric needs, per valid return and ethnic group. Each return gets a
-- row for every group: a category missing from a sheet means zero (input contract).
with

valid_returns as (

    select * from {{ ref('int_wres__valid_returns') }}

),

group_members as (

    select * from {{ ref('int_ethnic_group_members') }}

),

groups as (

    select distinct group_name from group_members

),

-- one long list of category-level counts, one sheet after another
category_counts as (

    select org_code, reporting_year, ethnic_category, headcount
    from {{ ref('stg_wres__workforce') }}

    union all by name
    select org_code, reporting_year, ethnic_category, shortlisted, appointed
    from {{ ref('stg_wres__recruitment') }}

    union all by name
    select org_code, reporting_year, ethnic_category, entered_formal_disciplinary
    from {{ ref('stg_wres__disciplinary') }}

    union all by name
    select org_code, reporting_year, ethnic_category, accessed_non_mandatory_training
    from {{ ref('stg_wres__training') }}

    union all by name
    select
        org_code,
        reporting_year,
        ethnic_category,
        members as board_members,
        case when is_voting then members else 0 end as board_voting_members,
        case when is_executive then members else 0 end as board_executive_members
    from {{ ref('stg_wres__board') }}

),

group_totals as (

    select
        category_counts.org_code,
        category_counts.reporting_year,
        group_members.group_name,
        sum(category_counts.headcount) as headcount,
        sum(category_counts.shortlisted) as shortlisted,
        sum(category_counts.appointed) as appointed,
        sum(category_counts.entered_formal_disciplinary) as entered_formal_disciplinary,
        sum(category_counts.accessed_non_mandatory_training) as accessed_non_mandatory_training,
        sum(category_counts.board_members) as board_members,
        sum(category_counts.board_voting_members) as board_voting_members,
        sum(category_counts.board_executive_members) as board_executive_members
    from category_counts
    inner join group_members
        on category_counts.ethnic_category = group_members.ethnic_category
    group by all

),

trust_group_counts as (

    select
        valid_returns.org_code,
        valid_returns.reporting_year,
        valid_returns.region_code,
        groups.group_name,
        coalesce(group_totals.headcount, 0)::bigint as headcount,
        coalesce(group_totals.shortlisted, 0)::bigint as shortlisted,
        coalesce(group_totals.appointed, 0)::bigint as appointed,
        coalesce(group_totals.entered_formal_disciplinary, 0)::bigint
            as entered_formal_disciplinary,
        coalesce(group_totals.accessed_non_mandatory_training, 0)::bigint
            as accessed_non_mandatory_training,
        coalesce(group_totals.board_members, 0)::bigint as board_members,
        coalesce(group_totals.board_voting_members, 0)::bigint as board_voting_members,
        coalesce(group_totals.board_executive_members, 0)::bigint as board_executive_members
    from valid_returns
    cross join groups
    left join group_totals
        on valid_returns.org_code = group_totals.org_code
        and valid_returns.reporting_year = group_totals.reporting_year
        and groups.group_name = group_totals.group_name

)

select * from trust_group_counts
