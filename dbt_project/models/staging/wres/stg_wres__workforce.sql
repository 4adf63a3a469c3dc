with

source as (

    select * from {{ source('wres', 'wres_workforce') }}

),

renamed as (

    select
        ---------- ids (trust and year from the file name)
        _file_org_code::varchar as org_code,
        _file_year::integer as reporting_year,
        staff_group::varchar as staff_group,
        band::varchar as band,
        ethnic_category::varchar as ethnic_category,

        ---------- counts
        headcount::bigint as headcount,

        ---------- provenance
        _source_file::varchar as source_file,
        _source_row::bigint as source_row

    from source

)

select * from renamed
