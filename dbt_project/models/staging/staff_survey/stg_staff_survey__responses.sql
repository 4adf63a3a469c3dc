with

source as (

    select * from {{ source('staff_survey', 'survey_responses') }}

),

renamed as (

    select
        ---------- ids
        survey_year::integer as survey_year,
        org_code::varchar as org_code,
        respondent_id::varchar as respondent_id,
        ethnic_category::varchar as ethnic_category,

        ---------- items (null = not answered)
        q_hba_public::integer as q_hba_public,
        q_hba_manager::integer as q_hba_manager,
        q_hba_colleagues::integer as q_hba_colleagues,
        q_equal_opps::integer as q_equal_opps,
        q_discrim_mgr_colleague::integer as q_discrim_mgr_colleague,

        ---------- provenance
        _source_file::varchar as source_file,
        _source_row::bigint as source_row

    from source

)

select * from renamed
