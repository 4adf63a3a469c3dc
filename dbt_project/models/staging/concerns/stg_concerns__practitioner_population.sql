with

source as (

    select * from {{ source('concerns', 'concerns_population') }}

),

renamed as (

    select
        ---------- ids
        reporting_year::integer as reporting_year,
        profession::varchar as profession,
        region_code::varchar as region_code,
        ethnic_category::varchar as ethnic_category,
        place_of_first_qualification::varchar as place_of_first_qualification,

        ---------- counts
        practitioners::bigint as practitioners,

        ---------- provenance
        _source_file::varchar as source_file,
        _source_row::bigint as source_row

    from source

)

select * from renamed
