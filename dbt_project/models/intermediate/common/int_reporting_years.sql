-- The reporting years this run can publish, and which sources landed a file for each.
-- A year counts even when every file of it was quarantined: its figures are then published
-- as null with a note rather than left out. Staff survey year S feeds reporting year S+1.
with

file_outcomes as (

    select * from {{ ref('stg_pipeline__file_outcomes') }}

),

landed_years as (

    select
        case when source_system = 'staff_survey' then reporting_year + 1 else reporting_year end
            as reporting_year,
        source_system
    from file_outcomes
    where source_system in ('wres', 'staff_survey', 'concerns')
        and reporting_year is not null

    -- the validated rows too, so that the model never depends on the manifest alone
    union all
    select reporting_year, 'wres' from {{ ref('stg_wres__submissions') }}
    union all
    select survey_year + 1, 'staff_survey' from {{ ref('stg_staff_survey__responses') }}
    union all
    select reporting_year, 'concerns' from {{ ref('stg_concerns__cases') }}
    union all
    select reporting_year, 'concerns' from {{ ref('stg_concerns__practitioner_population') }}

),

years as (

    select
        reporting_year,
        bool_or(source_system = 'wres') as has_wres,
        bool_or(source_system = 'staff_survey') as has_staff_survey,
        bool_or(source_system = 'concerns') as has_concerns
    from landed_years
    group by reporting_year

)

select * from years
