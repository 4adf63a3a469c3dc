-- Every ethnic category code in the validated zone must be in the ethnic_categories seed:
-- a code the seed lacked would silently drop out of every group count.
with

categories_in_use as (

    select distinct 'wres_workforce' as source_table, ethnic_category from {{ ref('stg_wres__workforce') }}
    union
    select distinct 'wres_recruitment', ethnic_category from {{ ref('stg_wres__recruitment') }}
    union
    select distinct 'wres_disciplinary', ethnic_category from {{ ref('stg_wres__disciplinary') }}
    union
    select distinct 'wres_training', ethnic_category from {{ ref('stg_wres__training') }}
    union
    select distinct 'wres_board', ethnic_category from {{ ref('stg_wres__board') }}
    union
    select distinct 'survey_responses', ethnic_category from {{ ref('stg_staff_survey__responses') }}
    union
    select distinct 'concerns_cases', ethnic_category from {{ ref('stg_concerns__cases') }}
    union
    select distinct 'concerns_population', ethnic_category
    from {{ ref('stg_concerns__practitioner_population') }}

)

select categories_in_use.*
from categories_in_use
left join {{ ref('ethnic_categories') }} as seed
    on categories_in_use.ethnic_category = seed.code
where seed.code is null
