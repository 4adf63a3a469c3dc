-- Every concerns fact, once for each cell it counts towards: a geography (its region, when
-- that is a region of regions.csv, and England), a breakdown (`all` and its profession) and
-- a group (`All`, its ethnic group and broad group, its place-of-qualification group and
-- IMG). The counts and the medians are both taken from here, so that they share one set of
-- membership rules. Facts are of three kinds:
--   case             a case, in the reporting year its case_opened_date falls in;
--   exclusion_ended  an exclusion of a case, in the reporting year its end date falls in;
--   population       a row of the practitioner population file, in its reporting year.
-- No personal data is carried (no practitioner pseudonym).
with

cases as (

    select * from {{ ref('stg_concerns__cases') }}

),

population as (

    select * from {{ ref('stg_concerns__practitioner_population') }}

),

regions as (

    select * from {{ ref('stg_reference__regions') }}

),

ethnic_group_members as (

    select * from {{ ref('int_ethnic_group_members') }}

),

qualification_group_members as (

    select * from {{ ref('int_concerns__qualification_group_members') }}

),

facts as (

    select
        'case' as fact_kind,
        source_file,
        source_row,
        {{ reporting_year_of('case_opened_date') }} as reporting_year,
        region_code,
        profession,
        ethnic_category,
        place_of_first_qualification,
        1 as cases,
        case when is_excluded then 1 else 0 end as exclusions,
        -- an assessment counts once its outcome is known: Pending is left out
        case when assessment_outcome in ('Expected level', 'Below expected level')
            then 1 else 0 end as assessments,
        case when assessment_outcome = 'Expected level' then 1 else 0 end as assessed_expected,
        0 as exclusions_ended,
        null::bigint as exclusion_days,
        0 as practitioners
    from cases

    union all

    select
        'exclusion_ended' as fact_kind,
        source_file,
        source_row,
        {{ reporting_year_of('exclusion_end_date') }} as reporting_year,
        region_code,
        profession,
        ethnic_category,
        place_of_first_qualification,
        0 as cases,
        0 as exclusions,
        0 as assessments,
        0 as assessed_expected,
        1 as exclusions_ended,
        datediff('day', exclusion_start_date, exclusion_end_date) as exclusion_days,
        0 as practitioners
    from cases
    where is_excluded and exclusion_end_date is not null

    union all

    select
        'population' as fact_kind,
        source_file,
        source_row,
        reporting_year,
        region_code,
        profession,
        ethnic_category,
        place_of_first_qualification,
        0 as cases,
        0 as exclusions,
        0 as assessments,
        0 as assessed_expected,
        0 as exclusions_ended,
        null::bigint as exclusion_days,
        practitioners
    from population

),

group_facts as (

    select facts.*, 'all' as classification, 'All' as group_name
    from facts

    union all

    select facts.*, 'ethnicity' as classification, ethnic_group_members.group_name
    from facts
    inner join ethnic_group_members
        on facts.ethnic_category = ethnic_group_members.ethnic_category

    union all

    select facts.*, 'qualification' as classification, qualification_group_members.group_name
    from facts
    inner join qualification_group_members
        on facts.place_of_first_qualification
            = qualification_group_members.place_of_first_qualification

),

-- a region code that regions.csv does not list still counts towards England
geography_facts as (

    select 'region' as geography_level, region_code as geography_code, *
    from group_facts
    where region_code in (select region_code from regions)

    union all

    select 'national' as geography_level, '{{ var("national_geography_code") }}' as geography_code, *
    from group_facts

),

breakdown_facts as (

    select 'all' as breakdown, * from geography_facts

    union all

    select 'profession=' || profession as breakdown, * from geography_facts

),

final as (

    select
        ---------- the fact
        fact_kind::varchar as fact_kind,
        source_file::varchar as source_file,
        source_row::bigint as source_row,

        ---------- the cell it counts towards
        reporting_year::integer as reporting_year,
        geography_level::varchar as geography_level,
        geography_code::varchar as geography_code,
        breakdown::varchar as breakdown,
        classification::varchar as classification,
        group_name::varchar as group_name,

        ---------- what it adds to the cell's counts
        cases::bigint as cases,
        exclusions::bigint as exclusions,
        assessments::bigint as assessments,
        assessed_expected::bigint as assessed_expected,
        exclusions_ended::bigint as exclusions_ended,
        exclusion_days::bigint as exclusion_days,
        practitioners::bigint as practitioners
    from breakdown_facts

)

select * from final
